"""The scheduler's worker: every ``SCHEDULER_INTERVAL`` it runs the scheduled checks
(``usecases/scheduled_checks.py``: tasks due and overdue, idle cases) and then the retention of
ended cases (``usecases/retention.py``)."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from services.pilots.usecases.retention import run_retention
from services.pilots.usecases.scheduled_checks import run_checks
from shared.config import Settings
from shared.db import UnitOfWork, make_session_factory
from shared.messaging.envelope import Envelope

__all__ = ["Scheduler", "build_scheduler", "run_checks"]

log = logging.getLogger(__name__)


class Scheduler:
    """Run it as its own process: ``turvaverkko worker pilots scheduler``. Each tick runs the
    scheduled checks, then the retention pass (``usecases/retention.py``)."""

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
