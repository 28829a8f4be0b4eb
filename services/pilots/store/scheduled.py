"""What the scheduled checks read and the notices they write: open tasks due by a day, cases idle
at a moment and not yet told in their quiet spell, and the notice row that makes an occurrence
announced once (``usecases/scheduled_checks.py`` decides what is due)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.pilots.store.case_repository import idle_condition
from services.pilots.store.tables import case_task, pilot, pilot_case, scheduled_notice


def open_tasks_due_by(session: Session, day: date) -> list[dict[str, Any]]:
    """Tasks not done whose due date is ``day`` or earlier, with their case's pilot."""
    rows = session.execute(
        sa.select(case_task, pilot_case.c.pilot_id)
        .join(pilot_case, pilot_case.c.id == case_task.c.case_id)
        .where(sa.not_(case_task.c.done), case_task.c.due_on <= day)
    ).mappings()
    return [dict(r) for r in rows]


def idle_cases_not_told(session: Session, now: datetime, kind: str) -> list[dict[str, Any]]:
    """Cases idle at ``now`` (``idle_condition``) with their pilot's ``idle_days`` and the start
    of their quiet spell (``quiet_since``), leaving out those told already in this spell: a
    notice made after the case's last activity covers it, even if an activity from before that
    notice is recorded only later (the spell then seems to start later, but nothing has happened
    since the notice)."""
    quiet_since = sa.func.greatest(pilot_case.c.created_at, pilot_case.c.last_activity_at)
    rows = session.execute(
        sa.select(pilot_case, pilot.c.idle_days, quiet_since.label("quiet_since"))
        .join(pilot, pilot.c.id == pilot_case.c.pilot_id)
        .where(
            idle_condition(sa.bindparam("now", now)),
            ~sa.exists().where(
                scheduled_notice.c.kind == kind,
                scheduled_notice.c.subject_id == pilot_case.c.id,
                scheduled_notice.c.sent_at > pilot_case.c.last_activity_at,
            ),
        )
    ).mappings()
    return [dict(r) for r in rows]


def record_notice(
    session: Session, kind: str, subject_id: str, occurrence: str, event_id: str, now: datetime
) -> bool:
    """The notice of this occurrence, if none was made before (True): the promise that it is
    announced once, however many schedulers run."""
    first = session.execute(
        insert(scheduled_notice)
        .values(
            kind=kind,
            subject_id=subject_id,
            occurrence=occurrence,
            event_id=event_id,
            sent_at=now,  # the checks' own "now", which the idle check compares with
        )
        .on_conflict_do_nothing()
        .returning(scheduled_notice.c.event_id)
    ).first()
    return first is not None
