"""Intake's copy of the reference data — pilots, activities, instruments — as the pilots service
publishes them: kept by the ``reference-data`` consumer (an older ``version`` never overwrites a
newer one, so duplicated and out-of-order events end in the same state) and read by the item
checks through an in-process snapshot."""

from __future__ import annotations

import threading
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.intake.store.tables import activity_ref, instrument_ref, pilot_ref


class ReferenceData:
    """An in-process snapshot of the reference-data copy (pilots, activities, instruments), read
    again when older than ``max_age`` seconds. They are few and change seldom; reading them for
    every request would cost more round trips than the items themselves. A pilot closed or an
    activity added is therefore seen within ``max_age``."""

    def __init__(self, max_age: float = 2.0) -> None:
        self.max_age = max_age
        self._lock = threading.Lock()
        self._loaded_at = -max_age
        self._tables: tuple[dict[str, Any], dict[str, Any], dict[str, Any]] = ({}, {}, {})

    def snapshot(self, session: Any) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        with self._lock:
            if time.monotonic() - self._loaded_at >= self.max_age:
                self._tables = (
                    {r.id: r for r in session.execute(sa.select(pilot_ref))},
                    {r.id: r for r in session.execute(sa.select(activity_ref))},
                    {r.code: r for r in session.execute(sa.select(instrument_ref))},
                )
                self._loaded_at = time.monotonic()
            return self._tables

    def invalidate(self) -> None:
        with self._lock:
            self._loaded_at = -self.max_age


def _upsert(session: Session, table: sa.Table, key: str, values: dict[str, Any]) -> None:
    """Insert the row, or update it if ``values`` carry a newer ``version`` than the stored one."""
    stmt = insert(table).values(**values)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[table.c[key]],
            set_={name: stmt.excluded[name] for name in values if name != key},
            where=table.c.version < stmt.excluded.version,
        )
    )


def keep_pilot(session: Session, values: dict[str, Any]) -> None:
    """A pilot's ``id``, ``active``, ``starts_on``, ``ends_on`` and ``version``."""
    _upsert(session, pilot_ref, "id", values)


def keep_activity(session: Session, values: dict[str, Any]) -> None:
    """An activity's ``id``, ``pilot_id``, ``activity_type``, ``active`` and ``version``."""
    _upsert(session, activity_ref, "id", values)


def keep_instrument(session: Session, values: dict[str, Any]) -> None:
    """An instrument's ``code``, ``active``, ``min_value``, ``max_value`` and ``version``."""
    _upsert(session, instrument_ref, "code", values)
