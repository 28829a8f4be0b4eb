"""Cases: opened by referrals, moved by workers and by participation, with tasks and a timeline.

Consumed events land on the timeline of the young person in the pilot — (pilot, key id,
pseudonym) — whether or not the case exists yet; each event once (its id is unique there). The
case's derived facts (last activity, the move to ``active``) are computed from what is stored, not
from the order events came in, so duplicated and out-of-order events end in the same state.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from werkzeug.exceptions import Conflict

from services.pilots.domain.calendar import start_of
from services.pilots.domain.cases import allowed_from, can_transition
from services.pilots.store.tables import (
    case_transition,
    pilot,
    pilot_case,
    pilot_member,
    timeline_entry,
)
from shared.auth import Principal
from shared.db import UnitOfWork
from shared.messaging.envelope import Envelope
from shared.messaging.events import EventType

SOURCE = "/turvaverkko/pilots"
SYSTEM = Principal("turvaverkko", "system", None, frozenset())


def _client(data: dict[str, Any]) -> dict[str, str]:
    return {"pilot_id": data["pilot_id"], "key_id": data["key_id"], "pseudonym": data["pseudonym"]}


def _add_to_timeline(
    session: Session, event: Envelope, kind: str, occurred_at: datetime, summary: dict[str, Any]
) -> bool:
    """The event on its young person's timeline; False if it was there already."""
    added = session.execute(
        insert(timeline_entry)
        .values(
            **_client(event.data),
            event_id=event.id,
            kind=kind,
            occurred_at=occurred_at,
            summary=summary,
        )
        .on_conflict_do_nothing(index_elements=[timeline_entry.c.event_id])
        .returning(timeline_entry.c.id)
    ).first()
    return added is not None


def _case_of(session: Session, client: dict[str, str], lock: bool = False) -> dict | None:
    stmt = sa.select(pilot_case).where(
        pilot_case.c.pilot_id == client["pilot_id"],
        pilot_case.c.key_id == client["key_id"],
        pilot_case.c.pseudonym == client["pseudonym"],
    )
    row = session.execute(stmt.with_for_update() if lock else stmt).mappings().first()
    return dict(row) if row else None


def _latest_activity(session: Session, client: dict[str, str]) -> datetime | None:
    return session.execute(
        sa.select(sa.func.max(timeline_entry.c.occurred_at)).where(
            timeline_entry.c.pilot_id == client["pilot_id"],
            timeline_entry.c.key_id == client["key_id"],
            timeline_entry.c.pseudonym == client["pseudonym"],
        )
    ).scalar()


# --- consumed events --------------------------------------------------------------------------


def on_referral(event: Envelope, uow: UnitOfWork) -> None:
    """A referral opens a ``referred`` case (or, if the young person has one in this pilot,
    is added to its timeline)."""
    d = event.data
    session = uow.session
    referred_on = date.fromisoformat(d["referred_on"])
    _add_to_timeline(
        session,
        event,
        "referral",
        start_of(referred_on),
        {
            "referring_organisation_type": d.get("referring_organisation_type"),
            "reason": d.get("reason"),
        },
    )
    client = _client(d)
    if not _pilot_exists(session, d["pilot_id"]):
        return  # a pilot this service does not know: the timeline keeps the event
    latest = _latest_activity(session, client) or start_of(referred_on)
    created = session.execute(
        insert(pilot_case)
        .values(
            id=str(uuid.uuid4()),
            **client,
            state="referred",
            age_band=d.get("age_band"),
            gender=d.get("gender"),
            home_region=d.get("home_region"),
            referred_on=referred_on,
            last_activity_at=latest,
        )
        .on_conflict_do_nothing(constraint="case_client_in_pilot")
        .returning(pilot_case.c.id)
    ).first()
    if created is not None:
        session.execute(
            sa.insert(case_transition).values(
                case_id=created.id,
                from_state=None,
                to_state="referred",
                reason="referral received",
                by_subject=SYSTEM.subject,
                by_role=SYSTEM.role,
            )
        )
    else:
        _touch(session, client)


def is_member(session: Session, pilot_id: str, subject: str) -> bool:
    """Whether ``subject`` is one of the pilot's workers or leads (``pilot_member``)."""
    return (
        session.execute(
            sa.select(pilot_member.c.subject).where(
                pilot_member.c.pilot_id == pilot_id, pilot_member.c.subject == subject
            )
        ).first()
        is not None
    )


def _pilot_exists(session: Session, pilot_id: str) -> bool:
    return session.execute(sa.select(pilot.c.id).where(pilot.c.id == pilot_id)).first() is not None


def on_participation(event: Envelope, uow: UnitOfWork) -> None:
    """On the timeline; the case's last activity (its latest event or move) follows; the first attended participation at or
    after enrolment moves an ``enrolled`` case to ``active``."""
    d = event.data
    session = uow.session
    occurred = datetime.fromisoformat(d["occurred_at"])
    added = _add_to_timeline(
        session,
        event,
        "participation",
        occurred,
        {
            "activity_id": d.get("activity_id"),
            "activity_type": d.get("activity_type"),
            "attendance": d.get("attendance"),
            "kind": d.get("kind"),
            "duration_minutes": d.get("duration_minutes"),
        },
    )
    if not added:
        return
    client = _client(d)
    found = _case_of(session, client, lock=True)
    if found is None:
        return
    _touch(session, client)
    if (
        d.get("attendance") == "attended"
        and found["state"] == "enrolled"
        and found["enrolled_at"] is not None
        and occurred >= found["enrolled_at"]
    ):
        _move(uow, found, "active", "first attended participation", None, SYSTEM)


def on_outcome(event: Envelope, uow: UnitOfWork) -> None:
    d = event.data
    added = _add_to_timeline(
        uow.session,
        event,
        "outcome",
        start_of(date.fromisoformat(d["measured_on"])),
        {
            "instrument": d.get("instrument"),
            "time_point": d.get("time_point"),
            "value": d.get("value"),
        },
    )
    if added:
        _touch(uow.session, _client(d))


def _touch(session: Session, client: dict[str, str]) -> None:
    latest = _latest_activity(session, client)
    if latest is None:
        return
    session.execute(
        sa.update(pilot_case)
        .where(
            pilot_case.c.pilot_id == client["pilot_id"],
            pilot_case.c.key_id == client["key_id"],
            pilot_case.c.pseudonym == client["pseudonym"],
            pilot_case.c.last_activity_at < latest,
        )
        .values(last_activity_at=latest)
    )


# --- transitions ------------------------------------------------------------------------------


def transition(
    uow: UnitOfWork,
    case_id: str,
    to_state: str,
    reason: str,
    closing_reason: str | None,
    principal: Principal,
) -> dict[str, Any]:
    """Move a case (409 if the workflow does not allow it); who, when and why are recorded."""
    row = (
        uow.session.execute(
            sa.select(pilot_case).where(pilot_case.c.id == case_id).with_for_update()
        )
        .mappings()
        .one()
    )
    return _move(uow, dict(row), to_state, reason, closing_reason, principal)


def _move(
    uow: UnitOfWork,
    current: dict[str, Any],
    to_state: str,
    reason: str,
    closing_reason: str | None,
    by: Principal,
) -> dict[str, Any]:
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


def timeline(session: Session, found: dict[str, Any]) -> list[dict[str, Any]]:
    rows = session.execute(
        sa.select(timeline_entry)
        .where(
            timeline_entry.c.pilot_id == found["pilot_id"],
            timeline_entry.c.key_id == found["key_id"],
            timeline_entry.c.pseudonym == found["pseudonym"],
        )
        .order_by(timeline_entry.c.occurred_at, timeline_entry.c.id)
    ).mappings()
    return [dict(r) for r in rows]
