"""Keeping intake's copy of the reference data: what intake does when the pilots service publishes
a pilot, an activity or an instrument. Called by the ``reference-data`` consumer with the event's
loaded data, in the consumer's unit of work (which records the event as processed in the same
transaction). An older ``version`` never overwrites a newer one (``store.reference_data``)."""

from __future__ import annotations

from typing import Any

from services.intake.store import reference_data
from shared.db import UnitOfWork


def pilot_published(uow: UnitOfWork, pilot: dict[str, Any]) -> None:
    """``pilot``: ``pilot_id``, ``active``, ``starts_on``, ``ends_on``, ``version``."""
    reference_data.keep_pilot(
        uow.session,
        {
            "id": pilot["pilot_id"],
            "active": pilot["active"],
            "starts_on": pilot["starts_on"],
            "ends_on": pilot["ends_on"],
            "version": pilot["version"],
        },
    )


def activity_published(uow: UnitOfWork, activity: dict[str, Any]) -> None:
    """``activity``: ``activity_id``, ``pilot_id``, ``activity_type``, ``active``, ``version``."""
    reference_data.keep_activity(
        uow.session,
        {
            "id": activity["activity_id"],
            "pilot_id": activity["pilot_id"],
            "activity_type": activity["activity_type"],
            "active": activity["active"],
            "version": activity["version"],
        },
    )


def instrument_published(uow: UnitOfWork, instrument: dict[str, Any]) -> None:
    """``instrument``: ``code``, ``active``, ``min_value``, ``max_value``, ``version``."""
    reference_data.keep_instrument(
        uow.session,
        {
            "code": instrument["code"],
            "active": instrument["active"],
            "min_value": instrument["min_value"],
            "max_value": instrument["max_value"],
            "version": instrument["version"],
        },
    )
