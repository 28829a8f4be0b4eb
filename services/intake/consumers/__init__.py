"""The events the intake service consumes: one `ConsumerSpec` per queue.

``reference-data`` keeps intake's own copy of the pilots, activities and instruments that the
pilots service publishes, so that items are checked against them without reading another
service's database. Each event carries a ``version``; an older version never overwrites a newer
one, so duplicated and out-of-order events end in the same state.

``case-map`` keeps intake's own copy of the cases pilots opens and anonymises
(``consumers/case_map.py``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from marshmallow import EXCLUDE, Schema, fields
from sqlalchemy.dialects.postgresql import insert

from services.intake.consumers.case_map import CASE_MAP
from services.intake.store.tables import activity_ref, instrument_ref, pilot_ref
from shared.db import UnitOfWork
from shared.messaging.consumer import ConsumerSpec
from shared.messaging.envelope import Envelope
from shared.messaging.events import EventType


class _Published(Schema):
    class Meta:
        unknown = EXCLUDE  # the publisher may add fields intake does not need

    version = fields.Integer(required=True)
    active = fields.Boolean(load_default=True)


class PilotPublished(_Published):
    pilot_id = fields.String(required=True)
    starts_on = fields.Date(load_default=None, allow_none=True)
    ends_on = fields.Date(load_default=None, allow_none=True)


class ActivityPublished(_Published):
    activity_id = fields.String(required=True)
    pilot_id = fields.String(required=True)
    activity_type = fields.String(required=True)


class InstrumentPublished(_Published):
    code = fields.String(required=True)
    min_value = fields.Decimal(load_default=None, allow_none=True)
    max_value = fields.Decimal(load_default=None, allow_none=True)


def _upsert(uow: UnitOfWork, table: sa.Table, key: str, values: dict[str, Any]) -> None:
    stmt = insert(table).values(**values)
    uow.session.execute(
        stmt.on_conflict_do_update(
            index_elements=[table.c[key]],
            set_={name: stmt.excluded[name] for name in values if name != key},
            where=table.c.version < stmt.excluded.version,
        )
    )


def apply_pilot(event: Envelope, uow: UnitOfWork) -> None:
    d = PilotPublished().load(event.data)
    _upsert(
        uow,
        pilot_ref,
        "id",
        {
            "id": d["pilot_id"],
            "active": d["active"],
            "starts_on": d["starts_on"],
            "ends_on": d["ends_on"],
            "version": d["version"],
        },
    )


def apply_activity(event: Envelope, uow: UnitOfWork) -> None:
    d = ActivityPublished().load(event.data)
    _upsert(
        uow,
        activity_ref,
        "id",
        {
            "id": d["activity_id"],
            "pilot_id": d["pilot_id"],
            "activity_type": d["activity_type"],
            "active": d["active"],
            "version": d["version"],
        },
    )


def apply_instrument(event: Envelope, uow: UnitOfWork) -> None:
    d = InstrumentPublished().load(event.data)
    _upsert(
        uow,
        instrument_ref,
        "code",
        {
            "code": d["code"],
            "active": d["active"],
            "min_value": d["min_value"],
            "max_value": d["max_value"],
            "version": d["version"],
        },
    )


REFERENCE_DATA = ConsumerSpec(
    "intake",
    "reference-data",
    {
        EventType.PILOT_PUBLISHED.value: apply_pilot,
        EventType.ACTIVITY_PUBLISHED.value: apply_activity,
        EventType.INSTRUMENT_PUBLISHED.value: apply_instrument,
    },
)

CONSUMERS: tuple[ConsumerSpec, ...] = (REFERENCE_DATA, CASE_MAP)
