"""The import worker: takes queued import jobs and feeds their rows, in batches, through the same
intake path as the HTTP endpoints. Each batch's items, rejected rows, counts and checkpoint commit
in one transaction, so a worker that dies resumes exactly after the last committed batch."""

from __future__ import annotations

import io
import logging
import threading
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from services.intake.domain.files import FileFormatError, RowError, read_items
from services.intake.store import imports
from services.intake.store.intake import Intake, ItemResult
from services.intake.store.tables import import_error, import_job
from shared.db import UnitOfWork
from shared.messaging.envelope import Envelope
from shared.messaging.events import EventType

log = logging.getLogger(__name__)


class ImportWorker:
    """Run it as its own process: ``turvaverkko worker intake imports``."""

    kind = "imports"

    def __init__(
        self, engine: Engine, intake: Intake, *, batch_size: int = 1000, poll_interval: float = 0.5
    ) -> None:
        self.engine = engine
        self.intake = intake
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.name = "intake.imports"
        self._stopping = threading.Event()
        self.ready = threading.Event()

    def stop(self) -> None:
        self._stopping.set()

    def run(self) -> None:
        log.info("import worker starting")
        self.ready.set()
        while not self._stopping.is_set():
            try:
                job = imports.claim(self.engine)
            except sa.exc.SQLAlchemyError:
                log.exception("cannot claim an import job")
                self._stopping.wait(5)
                continue
            if job is None:
                self._stopping.wait(self.poll_interval)
                continue
            try:
                self.process(job)
            except Exception:
                # The job stays 'running'; once its heartbeat is stale a worker (this one or
                # another) takes it over and resumes after its checkpoint.
                log.exception("import %s interrupted", job.id)
                self._stopping.wait(5)

    def process(self, job: Any) -> None:
        log.info("importing %s (%s, %s)", job.id, job.kind, job.format)
        principal = imports.principal_of(job)
        stream = io.BufferedReader(imports.ChunkReader(self.engine, job.id), 1 << 20)
        batch: list[tuple[int, Any]] = []
        try:
            for row, value in read_items(stream, job.kind, job.format):
                if row <= job.checkpoint_row:
                    continue  # done by a worker before this one
                batch.append((row, value))
                if len(batch) >= self.batch_size:
                    self._commit(job, principal, batch)
                    batch = []
                    if self._stopping.is_set():
                        self._requeue(job.id)
                        return
            self._commit(job, principal, batch, finish=True)
        except FileFormatError as exc:
            self._fail(job, str(exc))
        log.info("import %s done", job.id)

    def _commit(
        self, job: Any, principal: Any, batch: list[tuple[int, Any]], finish: bool = False
    ) -> None:
        items = [(row, value) for row, value in batch if not isinstance(value, RowError)]
        unreadable = [value for _, value in batch if isinstance(value, RowError)]

        def record(uow: UnitOfWork, results: list[ItemResult]) -> None:
            errors = [
                {"import_id": job.id, "row_number": e.row, "field": e.field, "message": e.message}
                for e in unreadable
            ]
            for (row, _), result in zip(items, results, strict=True):
                errors += [
                    {
                        "import_id": job.id,
                        "row_number": row,
                        "field": error.get("pointer", "#").removeprefix("#").lstrip("/") or None,
                        "message": error["detail"],
                    }
                    for error in result.errors
                ]
            if errors:
                uow.session.execute(import_error.insert(), errors)
            counts = {s: sum(r.status == s for r in results) for s in ("accepted", "duplicate")}
            values: dict[str, Any] = {
                "rows_read": import_job.c.rows_read + len(batch),
                "accepted": import_job.c.accepted + counts["accepted"],
                "duplicates": import_job.c.duplicates + counts["duplicate"],
                "rejected": import_job.c.rejected
                + len(unreadable)
                + sum(r.status == "rejected" for r in results),
                "heartbeat_at": sa.func.now(),
            }
            if batch:
                values["checkpoint_row"] = batch[-1][0]
            if finish:
                values |= {"status": "finished", "finished_at": sa.func.now()}
            updated = uow.session.execute(
                import_job.update()
                .where(import_job.c.id == job.id)
                .values(**values)
                .returning(import_job)
            ).one()
            if finish:
                uow.publish(_job_event(EventType.IMPORT_FINISHED, updated))

        self.intake.submit(
            job.kind, [value for _, value in items], principal, import_id=job.id, extra=record
        )

    def _fail(self, job: Any, failure: str) -> None:
        log.warning("import %s failed: %s", job.id, failure)
        with self.intake.unit_of_work() as uow:
            updated = uow.session.execute(
                import_job.update()
                .where(import_job.c.id == job.id)
                .values(status="failed", failure=failure, finished_at=sa.func.now())
                .returning(import_job)
            ).one()
            uow.publish(_job_event(EventType.IMPORT_FAILED, updated))
            uow.commit()

    def _requeue(self, job_id: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                import_job.update().where(import_job.c.id == job_id).values(status="queued")
            )


def _job_event(event_type: str, job: Any) -> Envelope:
    """What notifications needs to tell the uploader: counts, never rows."""
    data = {
        "import_id": job.id,
        "kind": job.kind,
        "status": job.status,
        "rows_read": job.rows_read,
        "accepted": job.accepted,
        "duplicates": job.duplicates,
        "rejected": job.rejected,
        "uploaded_by": job.created_by,
        "organisation": job.created_by_org,
    }
    if job.failure:
        data["failure"] = job.failure
    return Envelope.new(event_type, "/turvaverkko/intake", data, subject=f"import/{job.id}")


def build_import_worker(settings: Any, engine: Engine) -> ImportWorker:
    """The worker as ``turvaverkko worker intake imports`` runs it."""
    from services.intake.domain.pseudonym import Pseudonymiser
    from shared.db import make_session_factory

    sessions = make_session_factory(engine)
    pseudonymiser = Pseudonymiser.from_setting(settings.pseudonym_keys, settings.pseudonym_key_id)
    return ImportWorker(engine, Intake(pseudonymiser, lambda: UnitOfWork(sessions)))
