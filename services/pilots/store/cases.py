"""Cases: opened by referrals, moved by workers and by participation, with tasks and a timeline —
the statements. What each consumed event does with them is ``usecases/case_events.py``'s.

Consumed events land on the timeline of the young person in the pilot — (pilot, key id,
pseudonym) — whether or not the case exists yet; each event once (its id is unique there). The
case's derived facts (last activity, the move to ``active``) are computed from what is stored, not
from the order events came in, so duplicated and out-of-order events end in the same state.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa
from psycopg.rows import dict_row
from sqlalchemy.orm import Session

from services.pilots.domain.cases import allowed_from, can_transition, closing_reason_problem
from services.pilots.store.tables import (
    OPEN_CASE,
    case_transition,
    pilot_case,
    timeline_entry,
)
from shared.db import UnitOfWork
from shared.errors import Conflict, Unprocessable
from shared.messaging.envelope import Envelope, source_of
from shared.messaging.events import EventType
from shared.principal import Principal

SOURCE = source_of("pilots")


Client = tuple[str, str, str]  # (pilot id, key id, pseudonym): a young person in a pilot


def client_of(data: dict[str, Any]) -> Client:
    """The young person in the pilot that an event's data is about."""
    return (data["pilot_id"], data["key_id"], data["pseudonym"])


def _columns(clients: list[Client]) -> dict[str, list[str]]:
    pilots, key_ids, pseudonyms = (
        (list(c) for c in zip(*clients, strict=True)) if clients else ([], [], [])
    )
    return {"pilots": pilots, "key_ids": key_ids, "pseudonyms": pseudonyms}


# The statements of the consumed events, each for a whole batch. Every lock a batch takes is taken
# in one global order — timeline entries by event id, cases by (pilot, key id, pseudonym) — and
# every timeline entry before any case, so two batches over the same young people (the four
# handler threads of one consumer, or several consumers) wait for each other but never in a
# cycle: no deadlock, however the batches overlap.
_ADD_TO_TIMELINES = (
    "INSERT INTO timeline_entry (pilot_id, key_id, pseudonym, event_id, kind, occurred_at, "
    "summary) SELECT pilot_id, key_id, pseudonym, event_id, kind, occurred_at, summary "
    "FROM jsonb_to_recordset(%(rows)s::jsonb) AS r(pilot_id text, key_id text, pseudonym text, "
    "event_id text, kind text, occurred_at timestamptz, summary jsonb) ORDER BY event_id "
    "ON CONFLICT (event_id) DO NOTHING RETURNING event_id"
)
_CLIENTS = (
    "unnest(%(pilots)s::text[], %(key_ids)s::text[], %(pseudonyms)s::text[]) "
    "AS u(pilot_id, key_id, pseudonym)"
)
_LOCK_CASES = (
    f"SELECT c.* FROM pilot_case c JOIN {_CLIENTS} ON c.pilot_id = u.pilot_id "
    "AND c.key_id = u.key_id AND c.pseudonym = u.pseudonym "
    f"AND c.{OPEN_CASE} "
    "ORDER BY c.pilot_id, c.key_id, c.pseudonym FOR UPDATE OF c"
)
_LATEST_ACTIVITY = (
    "SELECT u.pilot_id, u.key_id, u.pseudonym, l.latest FROM "
    f"{_CLIENTS} CROSS JOIN LATERAL (SELECT max(t.occurred_at) AS latest FROM timeline_entry t "
    "WHERE t.pilot_id = u.pilot_id AND t.key_id = u.key_id AND t.pseudonym = u.pseudonym) l "
    "WHERE l.latest IS NOT NULL"
)
_TOUCH = (
    "UPDATE pilot_case c SET last_activity_at = u.latest FROM unnest(%(pilots)s::text[], "
    "%(key_ids)s::text[], %(pseudonyms)s::text[], %(latest)s::timestamptz[]) "
    "AS u(pilot_id, key_id, pseudonym, latest) WHERE c.pilot_id = u.pilot_id "
    "AND c.key_id = u.key_id AND c.pseudonym = u.pseudonym AND c.last_activity_at < u.latest "
    f"AND c.{OPEN_CASE}"
)
#: A young person's case in the pilot, opened, or (if an open one exists, or was opened meanwhile
#: by another transaction) its last activity following the timeline: one statement that locks
#: each case, existing or new, in the global order. ``xmax = 0`` tells an inserted row. A young
#: person whose cases in the pilot are all closed or declined gets a new case — an episode — linked
#: to the latest earlier one, its timeline starting at this referral.
_OPEN_OR_TOUCH_CASES = (
    "INSERT INTO pilot_case (id, pilot_id, key_id, pseudonym, state, age_band, gender, "
    "home_region, referred_on, last_activity_at, code, previous_case_id, episode_from) "
    "SELECT r.id, r.pilot_id, r.key_id, r.pseudonym, 'referred', r.age_band, r.gender, "
    "r.home_region, r.referred_on, r.last_activity_at, r.code, p.id, "
    "CASE WHEN p.id IS NULL THEN NULL ELSE r.episode_from END "
    "FROM jsonb_to_recordset(%(rows)s::jsonb) AS r(id text, pilot_id text, key_id text, "
    "pseudonym text, age_band text, gender text, home_region text, referred_on date, "
    "last_activity_at timestamptz, code text, episode_from timestamptz) "
    "LEFT JOIN LATERAL (SELECT e.id FROM pilot_case e WHERE e.pilot_id = r.pilot_id "
    "AND e.key_id = r.key_id AND e.pseudonym = r.pseudonym "
    "ORDER BY e.created_at DESC, e.id DESC LIMIT 1) p ON true "
    "ORDER BY r.pilot_id, r.key_id, r.pseudonym "
    "ON CONFLICT (pilot_id, key_id, pseudonym) WHERE state NOT IN ('closed', 'declined') "
    "DO UPDATE SET last_activity_at = "
    "greatest(pilot_case.last_activity_at, EXCLUDED.last_activity_at) "
    "RETURNING id, xmax = 0 AS opened, code, previous_case_id, pilot_id, key_id, pseudonym"
)
_FIRST_TRANSITIONS = (
    "INSERT INTO case_transition (case_id, from_state, to_state, reason, by_subject, by_role) "
    "SELECT unnest(%(ids)s::text[]), NULL, 'referred', 'referral received', %(by)s, %(role)s"
)
_KNOWN_PILOTS = "SELECT id FROM pilot WHERE id = ANY(%(ids)s::text[])"


def _driver(session: Session) -> Any:
    return session.connection().connection.driver_connection


def add_to_timelines(session: Session, entries: list[dict[str, Any]]) -> set[str]:
    """The events on their young people's timelines (rows of :func:`timeline_row`); returns the
    ids that were not there yet."""
    if not entries:
        return set()
    rows = _driver(session).execute(_ADD_TO_TIMELINES, {"rows": orjson.dumps(entries).decode()})
    return {event_id for (event_id,) in rows}


def timeline_row(
    event: Envelope, kind: str, occurred_at: datetime, summary: dict[str, Any]
) -> dict[str, Any]:
    """The timeline entry of a consumed event, as :func:`add_to_timelines` takes it."""
    pilot_id, key_id, pseudonym = client_of(event.data)
    return {
        "pilot_id": pilot_id,
        "key_id": key_id,
        "pseudonym": pseudonym,
        "event_id": event.id,
        "kind": kind,
        "occurred_at": occurred_at.isoformat(),
        "summary": summary,
    }


def lock_cases(session: Session, clients: set[Client]) -> dict[Client, dict[str, Any]]:
    """The open cases of these young people, locked, in the one global order."""
    if not clients:
        return {}
    cursor = _driver(session).cursor(row_factory=dict_row)
    rows = cursor.execute(_LOCK_CASES, _columns(sorted(clients))).fetchall()
    return {(r["pilot_id"], r["key_id"], r["pseudonym"]): r for r in rows}


def latest_activity(session: Session, clients: set[Client]) -> dict[Client, datetime]:
    """The time of the latest entry on each young person's timeline (none: not there)."""
    if not clients:
        return {}
    rows = _driver(session).execute(_LATEST_ACTIVITY, _columns(sorted(clients)))
    return {(p, k, s): latest for p, k, s, latest in rows}


def touch(session: Session, latest: dict[Client, datetime]) -> None:
    """Each case's last activity follows the latest event on its timeline (never goes back)."""
    if not latest:
        return
    clients = sorted(latest)
    _driver(session).execute(_TOUCH, _columns(clients) | {"latest": [latest[c] for c in clients]})


def known_pilots(session: Session, pilot_ids: set[str]) -> set[str]:
    """Which of these pilots this service knows."""
    return {row[0] for row in _driver(session).execute(_KNOWN_PILOTS, {"ids": sorted(pilot_ids)})}


def open_or_touch_cases(session: Session, cases: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Open these cases (rows sorted by young person, see ``_OPEN_OR_TOUCH_CASES``) — or, for a
    young person with an open case, touch that case instead. Returns the cases opened, each as
    (id, opened, code, previous case id, pilot id, key id, pseudonym)."""
    rows = _driver(session).execute(_OPEN_OR_TOUCH_CASES, {"rows": orjson.dumps(cases).decode()})
    return [row for row in rows if row[1]]


def record_first_transitions(session: Session, case_ids: list[str], by: Principal) -> None:
    """Each newly opened case's first move: none to ``referred``, by ``by``."""
    _driver(session).execute(
        _FIRST_TRANSITIONS, {"ids": case_ids, "by": by.subject, "role": by.role}
    )


# --- transitions ------------------------------------------------------------------------------


def move(
    uow: UnitOfWork,
    current: dict[str, Any],
    to_state: str,
    reason: str,
    closing_reason: str | None,
    by: Principal,
) -> dict[str, Any]:
    """Move the case ``current`` (read and locked by the caller) to ``to_state``: Conflict if the
    workflow does not allow it; who, when and why are recorded, ``case.transitioned`` published."""
    problem = closing_reason_problem(to_state, closing_reason)
    if problem is not None:
        raise Unprocessable(errors=[{"pointer": "#/closing_reason", "detail": problem}])
    if not can_transition(current["state"], to_state):
        allowed = ", ".join(allowed_from(current["state"])) or "none: the case is final"
        raise Conflict(
            f"A case in state {current['state']} cannot move to {to_state} (allowed: {allowed})."
        )
    session = uow.session
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "state": to_state,
        "last_activity_at": sa.func.greatest(pilot_case.c.last_activity_at, now),
        "version": pilot_case.c.version + 1,
        "updated_at": sa.func.now(),
    }
    if to_state == "enrolled":
        values["enrolled_at"] = now
    if to_state in ("closed", "declined"):
        values["closing_reason"] = closing_reason
        values["ended_at"] = now
    moved = dict(
        session.execute(
            sa.update(pilot_case)
            .where(pilot_case.c.id == current["id"])
            .values(**values)
            .returning(pilot_case)
        )
        .mappings()
        .one()
    )
    session.execute(
        sa.insert(case_transition).values(
            case_id=current["id"],
            from_state=current["state"],
            to_state=to_state,
            reason=reason,
            closing_reason=closing_reason,
            by_subject=by.subject,
            by_role=by.role,
            at=now,
        )
    )
    event = Envelope.new(
        EventType.CASE_TRANSITIONED,
        SOURCE,
        {
            "case_id": current["id"],
            "pilot_id": current["pilot_id"],
            "from_state": current["state"],
            "to_state": to_state,
            "closing_reason": closing_reason,
            "responsible_worker": moved["responsible_worker"],
            "at": now.isoformat(),
        },
        subject=f"case/{current['id']}",
    )
    session.execute(
        sa.insert(timeline_entry).values(
            pilot_id=current["pilot_id"],
            key_id=current["key_id"],
            pseudonym=current["pseudonym"],
            event_id=event.id,
            kind="transition",
            occurred_at=now,
            summary={
                "case_id": current["id"],
                "from_state": current["state"],
                "to_state": to_state,
                "reason": reason,
                "closing_reason": closing_reason,
                "by": by.subject,
            },
        )
    )
    uow.publish(event)
    return moved
