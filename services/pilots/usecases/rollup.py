"""What happens when an event reaches the ``aggregates`` consumer: its young person is added to
one base cell of the roll-up behind the coordinators' tables (or, again, counted for one more
event there) — one set-based upsert per message (``store/rollups.py``), a batch of events counted
per cell and person first, never a re-scan of events. The API reads the roll-up through
``store/rollup_index.py``.

What counts: attended participations (an absence or a cancellation is not taking part),
referrals, and outcome measurements. The person is the cross-pilot pseudonym; during a key
rotation, the pseudonym under the earlier key, so that the same young person stays one person.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

from services.pilots.store.rollups import CELL, PersonIds, add_to_cells
from shared.calendar import HELSINKI
from shared.config import Settings
from shared.db import UnitOfWork
from shared.messaging.envelope import Envelope
from shared.messaging.events import EventType

NONE = "-"


def person_of(data: dict[str, Any]) -> str:
    earlier = data.get("earlier_pseudonyms") or {}
    if earlier:
        key_id = min(earlier)
        return f"{key_id}:{earlier[key_id]}"
    return f"{data['key_id']}:{data['pseudonym']}"


def _row(event: Envelope) -> dict[str, Any] | None:
    """The base cell and person an event adds to (None: it does not count)."""
    d = event.data
    if event.type == EventType.PARTICIPATION_RECORDED:
        if d.get("attendance") != "attended":
            return None
        when = datetime.fromisoformat(d["occurred_at"]).astimezone(HELSINKI).date()
        measure, detail = "participation", (d.get("activity_type"), d.get("kind"))
    elif event.type == EventType.REFERRAL_RECEIVED:
        when, measure, detail = date.fromisoformat(d["referred_on"]), "referral", (None, None)
    else:
        when = date.fromisoformat(d["measured_on"])
        measure, detail = "outcome", (d.get("instrument"), d.get("time_point"))
    return {
        "measure": measure,
        "month": when.replace(day=1).isoformat(),
        "pilot_id": d["pilot_id"],
        "region": d.get("home_region") or "unknown",
        "gender": d.get("gender") or "unknown",
        "age_band": d.get("age_band") or "unknown",
        "activity_type": detail[0] or NONE,
        "kind": detail[1] or NONE,
        "person": person_of(d),
    }


class Rollup:
    """The roll-up one consumer process keeps: its people's ids (shared by its handler threads)
    and the record-key secret that feeds each new person's cell key, both from the settings it
    was built with."""

    def __init__(self, settings: Settings) -> None:
        self.person_ids = PersonIds(settings.record_key_secret.encode())

    def add_events(self, events: list[Envelope], uow: UnitOfWork) -> None:
        """Add the events' young people to their base cells: one statement for the whole batch
        (counted per cell and person first), the same effect as adding them one by one."""
        counts: Counter[tuple[str, ...]] = Counter()
        for event in events:
            row = _row(event)
            if row is not None:
                counts[(*(row[k] for k in CELL), row["person"])] += 1
        if not counts:
            return
        ids = self.person_ids.resolve(uow.session, {key[-1] for key in counts})
        rows = [
            dict(zip(CELL, key[:-1], strict=True)) | {"person_id": ids[key[-1]], "events": n}
            for key, n in counts.items()
        ]
        add_to_cells(uow.session, rows)

    def add_event(self, event: Envelope, uow: UnitOfWork) -> None:
        self.add_events([event], uow)
