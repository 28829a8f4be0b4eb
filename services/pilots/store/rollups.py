"""The roll-up: maintained incrementally by the ``aggregates`` consumer — one set-based upsert per
message, a batch of events counted per cell and person first — never by re-scanning events. The
aggregates API reads it through ``rollup_index.py``.

Each event adds its young person to one base cell (or, again, counts one more event there). What
counts: attended participations (an absence or a cancellation is not taking part), referrals, and
outcome measurements. The person is the cross-pilot pseudonym; during a key rotation, the
pseudonym under the earlier key, so that the same young person stays one person.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy.orm import Session

from services.pilots.domain.disclosure import record_key
from shared.calendar import HELSINKI
from shared.config import Settings
from shared.db import UnitOfWork, driver_execute
from shared.messaging.envelope import Envelope
from shared.messaging.events import EventType

NONE = "-"


def person_of(data: dict[str, Any]) -> str:
    earlier = data.get("earlier_pseudonyms") or {}
    if earlier:
        key_id = min(earlier)
        return f"{key_id}:{earlier[key_id]}"
    return f"{data['key_id']}:{data['pseudonym']}"


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
_KEY = ("measure", "month", "pilot_id", "region", "gender", "age_band", "activity_type", "kind")


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
                counts[(*(row[k] for k in _KEY), row["person"])] += 1
        if not counts:
            return
        ids = self.person_ids.resolve(uow.session, {key[-1] for key in counts})
        rows = [
            dict(zip(_KEY, key[:-1], strict=True)) | {"person_id": ids[key[-1]], "events": n}
            for key, n in counts.items()
        ]
        driver_execute(uow.session, _ADD, {"rows": orjson.dumps(rows).decode()})

    def add_event(self, event: Envelope, uow: UnitOfWork) -> None:
        self.add_events([event], uow)
