"""What happens when intake's events arrive (the ``case-events`` consumer): a referral opens a case,
a participation or an outcome lands on the young person's timeline and may move the case.

Each handler takes a whole batch (the per-event ones apply a batch of one) and works through the
set-based statements of ``store/cases.py``, which take every lock in one global order. Consumed
events land on the timeline of the young person in the pilot — (pilot, key id, pseudonym) —
whether or not the case exists yet, each event once; the case's derived facts (last activity, the
move to ``active``) follow from what is stored, not from the order events came in, so duplicated
and out-of-order events end in the same state.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from services.pilots.domain.case_codes import new_code
from services.pilots.store import cases as store
from services.pilots.store.cases import SOURCE, Client, client_of, timeline_row
from shared.calendar import start_of
from shared.db import UnitOfWork
from shared.messaging.envelope import Envelope
from shared.messaging.events import EventType
from shared.principal import Principal

#: Who opens cases and moves them on participation: the service itself.
SYSTEM = Principal("turvaverkko", "system", None, frozenset())


def on_referrals(events: list[Envelope], uow: UnitOfWork) -> None:
    """Referrals open ``referred`` cases — a young person's first referral in a pilot the
    service knows, or the first after their case there was closed or declined (a new episode);
    a referral while a case is open is added to its timeline. Events of a pilot this service
    does not know stay on the timeline only. Each opened case is announced (``case.opened``)."""
    session = uow.session
    added = store.add_to_timelines(
        session,
        [
            timeline_row(
                event,
                "referral",
                start_of(date.fromisoformat(event.data["referred_on"])),
                {
                    "referring_organisation_type": event.data.get("referring_organisation_type"),
                    "reason": event.data.get("reason"),
                },
            )
            for event in events
        ],
    )
    # A referral already on the timeline had its effect in the transaction that put it there.
    events = [event for event in events if event.id in added]
    pilots = {event.data["pilot_id"] for event in events}
    if not pilots:
        return
    known = store.known_pilots(session, pilots)
    first: dict[Client, Envelope] = {}
    for event in events:
        if event.data["pilot_id"] in known:
            first.setdefault(client_of(event.data), event)  # the first referral opens the case
    if not first:
        return
    latest = store.latest_activity(session, set(first))
    cases = []
    for client, event in sorted(first.items()):
        referred = start_of(date.fromisoformat(event.data["referred_on"]))
        cases.append(
            {
                "id": str(uuid.uuid4()),
                "pilot_id": client[0],
                "key_id": client[1],
                "pseudonym": client[2],
                "age_band": event.data.get("age_band"),
                "gender": event.data.get("gender"),
                "home_region": event.data.get("home_region"),
                "referred_on": event.data["referred_on"],
                "last_activity_at": latest.get(client, referred).isoformat(),
                "code": new_code(),
                "episode_from": referred.isoformat(),
            }
        )
    opened = store.open_or_touch_cases(session, cases)
    if not opened:
        return
    store.record_first_transitions(session, [row[0] for row in opened], SYSTEM)
    now = datetime.now(UTC).isoformat()
    for case_id, _, code, previous, pilot_id, key_id, pseudonym in opened:
        referral = first[(pilot_id, key_id, pseudonym)]
        uow.publish(
            Envelope.new(
                EventType.CASE_OPENED,
                SOURCE,
                {
                    "case_id": case_id,
                    "case_code": code,
                    "pilot_id": pilot_id,
                    "key_id": key_id,
                    "pseudonym": pseudonym,
                    "earlier_pseudonyms": referral.data.get("earlier_pseudonyms") or [],
                    "previous_case_id": previous,
                    "opened_at": now,
                    "referral": {
                        "event_id": referral.id,
                        "source_system": referral.data.get("source_system"),
                        "source_id": referral.data.get("source_id"),
                        "organisation": referral.data.get("organisation"),
                    },
                },
                subject=f"case/{case_id}",
            )
        )


def on_participations(events: list[Envelope], uow: UnitOfWork) -> None:
    """On the timelines; each case's last activity (its latest event or move) follows; the first
    attended participation at or after enrolment moves an ``enrolled`` case to ``active``."""
    session = uow.session
    entries = []
    for event in events:
        d = event.data
        entries.append(
            timeline_row(
                event,
                "participation",
                datetime.fromisoformat(d["occurred_at"]),
                {
                    "activity_id": d.get("activity_id"),
                    "activity_type": d.get("activity_type"),
                    "attendance": d.get("attendance"),
                    "kind": d.get("kind"),
                    "duration_minutes": d.get("duration_minutes"),
                    # A register's corrected mark names the participation it corrects.
                    "corrects": d.get("corrects"),
                    "session_starts_at": d.get("session_starts_at"),
                },
            )
        )
    added = store.add_to_timelines(session, entries)
    new = [event for event in events if event.id in added]
    clients = {client_of(event.data) for event in new}
    cases = store.lock_cases(session, clients)
    if not cases:
        return
    store.touch(session, store.latest_activity(session, set(cases)))
    for client, found in sorted(cases.items()):
        if found["state"] != "enrolled" or found["enrolled_at"] is None:
            continue
        if any(
            client_of(event.data) == client
            and event.data.get("attendance") == "attended"
            and datetime.fromisoformat(event.data["occurred_at"]) >= found["enrolled_at"]
            for event in new
        ):
            store.move(uow, found, "active", "first attended participation", None, SYSTEM)


def on_outcomes(events: list[Envelope], uow: UnitOfWork) -> None:
    """On the timelines; each case's last activity follows."""
    session = uow.session
    added = store.add_to_timelines(
        session,
        [
            timeline_row(
                event,
                "outcome",
                start_of(date.fromisoformat(event.data["measured_on"])),
                {
                    "instrument": event.data.get("instrument"),
                    "time_point": event.data.get("time_point"),
                    "value": event.data.get("value"),
                },
            )
            for event in events
        ],
    )
    clients = {client_of(event.data) for event in events if event.id in added}
    cases = store.lock_cases(session, clients)
    if cases:
        store.touch(session, store.latest_activity(session, set(cases)))


def on_referral(event: Envelope, uow: UnitOfWork) -> None:
    on_referrals([event], uow)


def on_participation(event: Envelope, uow: UnitOfWork) -> None:
    on_participations([event], uow)


def on_outcome(event: Envelope, uow: UnitOfWork) -> None:
    on_outcomes([event], uow)
