"""Synthetic intake data: reference data as the pilots service would publish it, and items."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.intake.consumers.reference_data import apply_activity, apply_instrument, apply_pilot
from services.intake.domain.hetu import format_identity_code
from shared.db import UnitOfWork
from shared.messaging.envelope import Envelope
from shared.messaging.events import EventType

PILOTS = ("pilot-a", "pilot-b")


def reference_events(version: int = 1) -> list[Envelope]:
    events = [
        Envelope.new(
            EventType.PILOT_PUBLISHED,
            "/turvaverkko/pilots",
            {"pilot_id": p, "active": True, "version": version},
        )
        for p in PILOTS
    ]
    events.append(
        Envelope.new(
            EventType.PILOT_PUBLISHED,
            "/turvaverkko/pilots",
            {"pilot_id": "pilot-closed", "active": False, "version": version},
        )
    )
    for pilot in PILOTS:
        for n, kind in enumerate(("group", "culture")):
            events.append(
                Envelope.new(
                    EventType.ACTIVITY_PUBLISHED,
                    "/turvaverkko/pilots",
                    {
                        "activity_id": f"{pilot}-act-{n}",
                        "pilot_id": pilot,
                        "activity_type": kind,
                        "active": True,
                        "version": version,
                    },
                )
            )
    events.append(
        Envelope.new(
            EventType.INSTRUMENT_PUBLISHED,
            "/turvaverkko/pilots",
            {"code": "WEMWBS", "min_value": 14, "max_value": 70, "version": version},
        )
    )
    return events


def seed_reference_data(unit_of_work: Any) -> None:
    """Apply the reference events with the consumer's own handlers (no broker needed)."""
    handlers = {
        EventType.PILOT_PUBLISHED: apply_pilot,
        EventType.ACTIVITY_PUBLISHED: apply_activity,
        EventType.INSTRUMENT_PUBLISHED: apply_instrument,
    }
    with unit_of_work() as uow:
        assert isinstance(uow, UnitOfWork)
        for event in reference_events():
            handlers[event.type](event, uow)
        uow.commit()


def hetu(n: int, born: date = date(2010, 5, 4)) -> str:
    """A valid, synthetic identity code; n picks the individual number (2–899)."""
    return format_identity_code(born, 2 + n % 898)


def referral(n: int, **changes: Any) -> dict[str, Any]:
    item = {
        "source_system": "apotti-test",
        "source_id": f"R-{n}",
        "pilot_id": "pilot-a",
        "personal_identity_code": hetu(n),
        "gender": "female",
        "home_region": "08",
        "referring_organisation_type": "child_welfare",
        "reason": "family_situation",
        "referred_on": "2026-09-15",
    }
    return {k: v for k, v in (item | changes).items() if v is not None}


def participation(n: int, **changes: Any) -> dict[str, Any]:
    item = {
        "source_system": "apotti-test",
        "source_id": f"P-{n}",
        "pilot_id": "pilot-a",
        "personal_identity_code": hetu(n),
        "activity_id": "pilot-a-act-0",
        "occurred_at": "2026-10-01T16:30:00",
        "duration_minutes": 90,
        "attendance": "attended",
        "kind": "guided_leisure",
    }
    return {k: v for k, v in (item | changes).items() if v is not None}


def outcome(n: int, **changes: Any) -> dict[str, Any]:
    item = {
        "source_system": "apotti-test",
        "source_id": f"O-{n}",
        "pilot_id": "pilot-a",
        "personal_identity_code": hetu(n),
        "instrument": "WEMWBS",
        "value": 42,
        "time_point": "baseline",
        "measured_on": "2026-10-02",
    }
    return {k: v for k, v in (item | changes).items() if v is not None}
