"""``reference-data``: intake's own copy of the pilots, activities and instruments that the pilots
service publishes (``pilot.published``, ``activity.published``, ``instrument.published``), so that
items are checked against them without reading another service's database. Each handler loads
the event's data and hands it to ``usecases.reference_data``; each event carries a ``version``,
and an older version never overwrites a newer one, so duplicated and out-of-order events end in
the same state."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields

from services.intake.usecases import reference_data
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


def apply_pilot(event: Envelope, uow: UnitOfWork) -> None:
    reference_data.pilot_published(uow, PilotPublished().load(event.data))


def apply_activity(event: Envelope, uow: UnitOfWork) -> None:
    reference_data.activity_published(uow, ActivityPublished().load(event.data))


def apply_instrument(event: Envelope, uow: UnitOfWork) -> None:
    reference_data.instrument_published(uow, InstrumentPublished().load(event.data))


REFERENCE_DATA = ConsumerSpec(
    "intake",
    "reference-data",
    {
        EventType.PILOT_PUBLISHED.value: apply_pilot,
        EventType.ACTIVITY_PUBLISHED.value: apply_activity,
        EventType.INSTRUMENT_PUBLISHED.value: apply_instrument,
    },
)
