"""The roll-up's statements: the base cells (``agg_member``: a young person's events per cell) and
the people's integer ids (``agg_person``). The ``aggregates`` consumer's handler
(``usecases/rollup.py``) adds a whole batch in one set-based upsert, never by re-scanning events;
the aggregates API reads the roll-up through ``rollup_index.py``.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy.orm import Session

from services.pilots.domain.disclosure import record_key
from shared.db import driver_execute

_ADD = (
    "INSERT INTO agg_member (measure, month, pilot_id, region, gender, age_band, activity_type, "
    "kind, person_id, events) SELECT measure, month, pilot_id, region, gender, age_band, "
    "activity_type, kind, person_id, events FROM jsonb_to_recordset(%(rows)s::jsonb) AS "
    "r(measure text, month date, pilot_id text, region text, gender text, age_band text, "
    "activity_type text, kind text, person_id int, events int) "
    # In key order: two batches upserting the same cells lock them in one order, never in a
    # cycle (in message order, two consumer threads once deadlocked here).
    "ORDER BY measure, month, pilot_id, region, gender, age_band, activity_type, kind, person_id "
    "ON CONFLICT (measure, month, pilot_id, region, gender, age_band, activity_type, kind, "
    "person_id) DO UPDATE SET events = agg_member.events + EXCLUDED.events"
)
_NEW_PEOPLE = (
    "INSERT INTO agg_person (person, record_key) SELECT person, record_key "
    "FROM unnest(%(people)s::text[], %(keys)s::bigint[]) AS p(person, record_key) "
    "ON CONFLICT (person) DO NOTHING RETURNING id, person"
)
_PEOPLE = "SELECT id, person FROM agg_person WHERE person = ANY(%(people)s::text[])"
#: The columns that name a base cell.
CELL = ("measure", "month", "pilot_id", "region", "gender", "age_band", "activity_type", "kind")


class PersonIds:
    """The roll-up's integer id of each young person, remembered per process once committed.

    A person first seen in this transaction is not remembered until read back as committed by a
    later one: a rolled-back insert must not leave an id that points at nobody.
    """

    LIMIT = 500_000

    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        self._known: dict[str, int] = {}

    def forget(self) -> None:
        self._known.clear()

    def resolve(self, session: Session, people: set[str]) -> dict[str, int]:
        ids = {p: self._known[p] for p in people if p in self._known}
        missing = sorted(people - ids.keys())  # sorted: concurrent inserts lock in one order
        if not missing:
            return ids
        secret = self._secret
        for pid, person in driver_execute(
            session,
            _NEW_PEOPLE,
            {"people": missing, "keys": [record_key(secret, p) for p in missing]},
        ):
            ids[person] = pid
        older = [p for p in missing if p not in ids]
        if older:  # a new statement sees what a concurrent transaction has just committed
            if len(self._known) + len(older) > self.LIMIT:
                self._known.clear()
            for pid, person in driver_execute(session, _PEOPLE, {"people": older}):
                ids[person] = self._known[person] = pid
        return ids


def add_to_cells(session: Session, rows: list[dict[str, Any]]) -> None:
    """Add to the base cells: each row a cell (the columns of :data:`CELL`), a ``person_id`` of
    :class:`PersonIds` and how many ``events`` it adds."""
    driver_execute(session, _ADD, {"rows": orjson.dumps(rows).decode()})
