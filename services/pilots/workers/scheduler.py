"""The scheduled checks: a task due today (``task.due``), a task past its due date and not done
(``task.overdue``), a case that has been in this system for its pilot's ``idle_days`` with
nothing happening (``case.idle``).

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

import logging
import threading
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Engine

from services.pilots.store.case_repository import idle_condition
from services.pilots.store.tables import case_task, pilot, pilot_case, scheduled_notice
from services.pilots.workers.retention import run_retention
from shared.calendar import HELSINKI
from shared.config import Settings
from shared.db import UnitOfWork, make_session_factory
from shared.messaging.envelope import Envelope, source_of
from shared.messaging.events import EventType

log = logging.getLogger(__name__)
SOURCE = source_of("pilots")


def run_checks(uow: UnitOfWork, now: datetime | None = None) -> list[Envelope]:
    """Publish what is due now and has not been published; returns the events."""
    now = now or datetime.now(UTC)
    today = now.astimezone(HELSINKI).date()
    session = uow.session
    candidates: list[tuple[str, str, str, dict[str, Any]]] = []
    open_tasks = session.execute(
        sa.select(case_task, pilot_case.c.pilot_id)
        .join(pilot_case, pilot_case.c.id == case_task.c.case_id)
        .where(sa.not_(case_task.c.done), case_task.c.due_on <= today)
    ).mappings()
    for task in open_tasks:
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
    quiet_since = sa.func.greatest(pilot_case.c.created_at, pilot_case.c.last_activity_at)
    idle = session.execute(
        sa.select(pilot_case, pilot.c.idle_days, quiet_since.label("quiet_since"))
        .join(pilot, pilot.c.id == pilot_case.c.pilot_id)
        .where(
            idle_condition(sa.bindparam("now", now)),
            # Not told already in this spell: a notice made after the case's last activity
            # covers it, even if an activity from before that notice is recorded only later
            # (the spell then seems to start later, but nothing has happened since the notice).
            ~sa.exists().where(
                scheduled_notice.c.kind == EventType.CASE_IDLE,
                scheduled_notice.c.subject_id == pilot_case.c.id,
                scheduled_notice.c.sent_at > pilot_case.c.last_activity_at,
            ),
        )
    ).mappings()
    for found in idle:
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
        first = session.execute(
            insert(scheduled_notice)
            .values(
                kind=event_type,
                subject_id=subject_id,
                occurrence=occurrence,
                event_id=event.id,
                sent_at=now,  # the checks' own "now", which the idle check compares with
            )
            .on_conflict_do_nothing()
            .returning(scheduled_notice.c.event_id)
        ).first()
        if first is not None:
            uow.publish(event)
            published.append(event)
    return published


class Scheduler:
    """Run it as its own process: ``turvaverkko worker pilots scheduler``. Each tick runs the
    scheduled checks, then the retention pass (``workers/retention.py``)."""

    kind = "scheduler"

    def __init__(
        self,
        engine: Engine,
        interval: float = 60.0,
        retention_months: int = 24,
        retention_batch: int = 500,
    ) -> None:
        self.engine = engine
        self.interval = interval
        self.retention_months = retention_months
        self.retention_batch = retention_batch
        self.name = "pilots.scheduler"
        self._sessions = make_session_factory(engine)
        self._stopping = threading.Event()
        self.ready = threading.Event()

    def stop(self) -> None:
        self._stopping.set()

    def tick(self, now: datetime | None = None) -> list[Envelope]:
        now = now or datetime.now(UTC)
        with UnitOfWork(self._sessions) as uow:
            published = run_checks(uow, now)
            uow.commit()
        if published:
            log.info("published %d scheduled notices", len(published))
        run_retention(self._sessions, now, self.retention_months, self.retention_batch)
        return published

    def run(self) -> None:
        log.info("scheduled checks every %.0f s", self.interval)
        self.ready.set()
        while not self._stopping.is_set():
            try:
                self.tick()
            except sa.exc.SQLAlchemyError:
                log.exception("scheduled checks failed; trying again next time")
            self._stopping.wait(self.interval)


def build_scheduler(settings: Settings, engine: Engine) -> Scheduler:
    return Scheduler(
        engine,
        interval=settings.scheduler_interval,
        retention_months=settings.case_retention_months,
        retention_batch=settings.retention_batch,
    )
