"""The scheduled checks: a task due today (``task.due``), a task past its due date and not done
(``task.overdue``), a case that has been in this system for its pilot's ``idle_days`` with
nothing happening (``case.idle``) — what is due at a moment, each announced once.

A case is idle when both the time it came into this system (its row's ``created_at``) and its
last activity are more than ``idle_days`` ago: a case imported with years of history has its
last activity long ago, but it is not idle until it has been quiet *here* for ``idle_days``.

Each is published exactly once per occurrence, not on every tick: a notice row (kind, subject,
occurrence) is inserted with the event in one transaction, and an occurrence already noticed is
skipped. The occurrence is the task's due date (moved, it is due again) or the moment the case's
quiet spell began — the later of its coming here and its last activity. That moment stays put for
the whole spell (more history older than the case's coming, imported later, moves the last
activity but not the later of the two), and new activity moves it: then a new quiet spell is a
new occurrence. Several schedulers may run at once; the notice rows keep each occurrence single.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.pilots.store import scheduled
from shared.calendar import HELSINKI
from shared.db import UnitOfWork
from shared.messaging.envelope import Envelope, source_of
from shared.messaging.events import EventType

SOURCE = source_of("pilots")


def run_checks(uow: UnitOfWork, now: datetime | None = None) -> list[Envelope]:
    """Publish what is due now and has not been published; returns the events."""
    now = now or datetime.now(UTC)
    today = now.astimezone(HELSINKI).date()
    session = uow.session
    candidates: list[tuple[str, str, str, dict[str, Any]]] = []
    for task in scheduled.open_tasks_due_by(session, today):
        kind = EventType.TASK_DUE if task["due_on"] == today else EventType.TASK_OVERDUE
        candidates.append(
            (
                kind,
                task["id"],
                task["due_on"].isoformat(),
                {
                    "task_id": task["id"],
                    "case_id": task["case_id"],
                    "pilot_id": task["pilot_id"],
                    "title": task["title"],
                    "assignee": task["assignee"],
                    "due_on": task["due_on"].isoformat(),
                },
            )
        )
    for found in scheduled.idle_cases_not_told(session, now, EventType.CASE_IDLE):
        candidates.append(
            (
                EventType.CASE_IDLE,
                found["id"],
                # The spell's start. For a case last active after it came here, that is its last
                # activity: the occurrence an earlier version used, so a spell noticed before is
                # not noticed again.
                found["quiet_since"].astimezone(UTC).isoformat(),
                {
                    "case_id": found["id"],
                    "pilot_id": found["pilot_id"],
                    "state": found["state"],
                    "responsible_worker": found["responsible_worker"],
                    "last_activity_at": found["last_activity_at"].isoformat(),
                    "idle_days": found["idle_days"],
                },
            )
        )
    published = []
    for event_type, subject_id, occurrence, data in candidates:
        event = Envelope.new(event_type, SOURCE, data, subject=f"{event_type}/{subject_id}")
        if scheduled.record_notice(session, event_type, subject_id, occurrence, event.id, now):
            uow.publish(event)
            published.append(event)
    return published
