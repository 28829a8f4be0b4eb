"""Attendance registers' repository: sessions and each case's current mark. A register is
recorded under the session's row lock (``lock_session``), so two registers of one session never
decide on the same marks at once."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.intake.domain.registers import Mark, Stored
from services.intake.store.tables import attendance_mark, attendance_session


def lock_session(
    session: Session,
    activity_id: str,
    starts_at: datetime,
    pilot_id: str,
    duration_minutes: int,
    kind: str,
) -> None:
    """Store the session as this register gives it, holding its row lock until the commit."""
    statement = insert(attendance_session).values(
        activity_id=activity_id,
        starts_at=starts_at,
        pilot_id=pilot_id,
        duration_minutes=duration_minutes,
        kind=kind,
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[attendance_session.c.activity_id, attendance_session.c.starts_at],
            set_={
                "duration_minutes": statement.excluded.duration_minutes,
                "kind": statement.excluded.kind,
                "updated_at": sa.func.now(),
            },
        )
    )


def marks(
    session: Session, activity_id: str, starts_at: datetime, case_ids: Collection[str]
) -> dict[str, Stored]:
    """The stored marks of these cases in the session, by case id."""
    rows = session.execute(
        sa.select(attendance_mark).where(
            attendance_mark.c.activity_id == activity_id,
            attendance_mark.c.starts_at == starts_at,
            attendance_mark.c.case_id.in_(sorted(case_ids)),
        )
    )
    return {
        r.case_id: Stored(Mark(r.attendance, r.duration_minutes, r.kind), r.event_id) for r in rows
    }


def save_marks(
    session: Session,
    activity_id: str,
    starts_at: datetime,
    changed: Sequence[tuple[str, Mark, str]],
) -> None:
    """Store each (case id, mark, event id) as the case's current mark, in case id order."""
    if not changed:
        return
    statement = insert(attendance_mark)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[
                attendance_mark.c.activity_id,
                attendance_mark.c.starts_at,
                attendance_mark.c.case_id,
            ],
            set_={
                "attendance": statement.excluded.attendance,
                "duration_minutes": statement.excluded.duration_minutes,
                "kind": statement.excluded.kind,
                "event_id": statement.excluded.event_id,
                "updated_at": sa.func.now(),
            },
        ),
        [
            {
                "activity_id": activity_id,
                "starts_at": starts_at,
                "case_id": case_id,
                "attendance": mark.attendance,
                "duration_minutes": mark.duration_minutes,
                "kind": mark.kind,
                "event_id": event_id,
            }
            for case_id, mark, event_id in sorted(changed, key=lambda c: c[0])
        ],
    )


def register(session: Session, activity_id: str, starts_at: datetime) -> dict[str, Any] | None:
    """The session and its current marks (by case id), or None if no register was recorded."""
    found = (
        session.execute(
            sa.select(attendance_session).where(
                attendance_session.c.activity_id == activity_id,
                attendance_session.c.starts_at == starts_at,
            )
        )
        .mappings()
        .first()
    )
    if found is None:
        return None
    rows = session.execute(
        sa.select(
            attendance_mark.c.case_id, attendance_mark.c.attendance, attendance_mark.c.event_id
        )
        .where(
            attendance_mark.c.activity_id == activity_id,
            attendance_mark.c.starts_at == starts_at,
        )
        .order_by(attendance_mark.c.case_id)
    ).mappings()
    return dict(found) | {"attendance": [dict(r) for r in rows]}
