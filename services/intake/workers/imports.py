"""The import worker (``turvaverkko worker intake imports``): takes queued import jobs and feeds
their rows, in batches, through the same intake path as the HTTP endpoints. Each batch's items,
rejected rows, counts and checkpoint commit in one transaction, so a worker that dies resumes
exactly after the last committed batch. What is done with each batch, and how an import ends, is
``usecases.importing``; this module is the pipeline that runs it.

The work is a pipeline, so that the cores and the database are busy at once:

1. this process reads and parses rows and hands each batch to a pool of ``preparers`` processes,
   which validate it (marshmallow is pure Python, the largest cost per row) and prepare it —
   reference checks, pseudonyms, events — reading the database but not writing;
2. one writer thread stores the prepared batches, one transaction each, strictly in file order.
   Each transaction moves the checkpoint only from where the previous one left it, so a batch can
   never commit past one that failed (nor past another worker's).
"""

from __future__ import annotations

import io
import logging
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from services.intake.domain.files import FileFormatError, RowError, read_items
from services.intake.domain.pseudonym import Pseudonymiser
from services.intake.domain.sealed_files import SealBroken
from services.intake.store import imports
from services.intake.store.items import Prepared
from services.intake.usecases import importing
from services.intake.usecases.items import Intake
from shared.config import Settings
from shared.db import UnitOfWork, make_engine, make_session_factory
from shared.principal import Principal

log = logging.getLogger(__name__)

_UNREADABLE = (
    "The stored file cannot be opened: the key it was sealed under is no longer configured. "
    "Upload it again."
)


class ImportWorker:
    """Run it as its own process: ``turvaverkko worker intake imports``."""

    kind = "imports"

    def __init__(
        self,
        engine: Engine,
        intake: Intake,
        *,
        batch_size: int = 2000,
        poll_interval: float = 0.5,
        preparers: int = 0,
        settings: Settings | None = None,
        max_hours: float = 24.0,
    ) -> None:
        """``preparers``: processes that validate and prepare batches ahead (they need
        ``settings`` to reach the database); 0 does it all in this process. An import not ended
        ``max_hours`` after its upload is failed and its file erased."""
        if preparers and settings is None:
            raise ValueError("preparer processes need the settings")
        self.engine = engine
        self.intake = intake
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.preparers = preparers
        self.settings = settings
        self.max_hours = max_hours
        self.seal = intake.pseudonymiser.file_seal()
        self.name = "intake.imports"
        self._expired_at = float("-inf")
        self._stopping = threading.Event()
        self._pool: ProcessPoolExecutor | None = None
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="intake.imports.writer")
        self.ready = threading.Event()

    def stop(self) -> None:
        self._stopping.set()

    def close(self) -> None:
        self._writer.shutdown(wait=True)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _prepare_ahead(self, run: _Run, batch: list[tuple[int, Any]]) -> Future[Prepared]:
        read = [(row, value) for row, value in batch if not isinstance(value, RowError)]
        items, rows = [value for _, value in read], [row for row, _ in read]
        job = run.job
        if self.preparers == 0:
            done: Future[Prepared] = Future()
            done.set_result(
                importing.prepare_batch(self.intake, job.kind, items, run.principal, job.id, rows)
            )
            return done
        if self._pool is None:
            # spawn, not fork: a forked child would share this process's database connections.
            settings = self.settings
            assert settings is not None  # checked in __init__
            self._pool = ProcessPoolExecutor(
                self.preparers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_preparer,
                initargs=(settings,),
            )
        return self._pool.submit(_prepare_in_preparer, job.kind, items, run.principal, job.id, rows)

    def run(self) -> None:
        log.info("import worker starting (%d preparer processes)", self.preparers)
        self.ready.set()
        try:
            self._run()
        finally:
            self.close()

    #: Batches read ahead per preparer process: enough that the writer, which stores the batches
    #: one by one in file order, never waits for one (two left it waiting a tenth of the time).
    AHEAD_PER_PREPARER = 3

    #: Seconds between looks for imports that have outlived ``max_hours``.
    EXPIRY_INTERVAL = 60.0

    def expire(self) -> Sequence[Any]:
        """Fail the imports that have not ended within ``max_hours`` and erase their files."""
        return importing.expire(self.intake.unit_of_work(), self.max_hours)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                if time.monotonic() - self._expired_at >= self.EXPIRY_INTERVAL:
                    self._expired_at = time.monotonic()
                    self.expire()
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
        run = _Run(job, imports.principal_of(job), job.checkpoint_row)
        stream = io.BufferedReader(
            imports.ChunkReader(self.engine, job.id, self.seal, job.file_key_id), 1 << 20
        )
        batch: list[tuple[int, Any]] = []
        # Batches read and being validated, oldest first; each is prepared and written in turn.
        ahead: deque[tuple[list[tuple[int, Any]], Future[Prepared]]] = deque()
        try:
            for row, value in read_items(stream, job.kind, job.format):
                if row <= job.checkpoint_row:
                    continue  # done by a worker before this one
                batch.append((row, value))
                if len(batch) >= self.batch_size:
                    ahead.append((batch, self._prepare_ahead(run, batch)))
                    batch = []
                    while len(ahead) > self.AHEAD_PER_PREPARER * self.preparers:
                        self._hand_over(run, *ahead.popleft())
                    if self._stopping.is_set():
                        while ahead:
                            self._hand_over(run, *ahead.popleft())
                        run.wait_written(0)
                        self._requeue(job.id)
                        return
            ahead.append((batch, self._prepare_ahead(run, batch)))
            while ahead:
                done, preparing = ahead.popleft()
                self._hand_over(run, done, preparing, finish=not ahead)
            run.wait_written(0)
        except (FileFormatError, SealBroken) as exc:
            for _, preparing in ahead:
                preparing.cancel()
            run.wait_written(0)
            self._fail(job, str(exc) if isinstance(exc, FileFormatError) else _UNREADABLE)
        finally:
            run.abandon()
        log.info("import %s done", job.id)

    def _hand_over(
        self,
        run: _Run,
        batch: list[tuple[int, Any]],
        preparing: Future[Prepared],
        finish: bool = False,
    ) -> None:
        """Queue a prepared batch for the writer (at most one waits)."""
        items = [(row, value) for row, value in batch if not isinstance(value, RowError)]
        unreadable = [value for _, value in batch if isinstance(value, RowError)]
        prepared = preparing.result()
        previous, run.checkpoint = run.checkpoint, batch[-1][0] if batch else run.checkpoint
        run.wait_written(1)
        run.writing.append(
            self._writer.submit(
                self._write, run, batch, items, unreadable, prepared, previous, finish
            )
        )

    def _write(
        self,
        run: _Run,
        batch: list[tuple[int, Any]],
        items: list[tuple[int, Any]],
        unreadable: list[RowError],
        prepared: Prepared,
        previous_checkpoint: int,
        finish: bool,
    ) -> None:
        """On the writer thread: the batch written (``usecases.importing.write_batch``), unless an
        earlier batch of the run failed."""
        job = run.job
        if run.failed:
            raise RuntimeError(f"import {job.id}: an earlier batch failed; this one is not written")
        try:
            importing.write_batch(
                self.intake.unit_of_work(),
                self.intake,
                job,
                batch,
                items,
                unreadable,
                prepared,
                previous_checkpoint,
                finish,
            )
        except BaseException:
            run.failed = True
            raise

    def _fail(self, job: Any, failure: str) -> None:
        importing.fail(self.intake.unit_of_work(), job, failure)

    def _requeue(self, job_id: str) -> None:
        importing.requeue(self.intake.unit_of_work(), job_id)


class _Run:
    """One job being processed: where its checkpoint will be, and the writes in flight."""

    def __init__(self, job: Any, principal: Any, checkpoint: int) -> None:
        self.job, self.principal, self.checkpoint = job, principal, checkpoint
        self.writing: deque[Future[None]] = deque()
        self.failed = False  # a write failed: the writes queued after it write nothing

    def wait_written(self, at_most: int) -> None:
        """Wait until at most ``at_most`` writes are in flight; a failed write raises here."""
        while len(self.writing) > at_most:
            self.writing.popleft().result()

    def abandon(self) -> None:
        """After a failure: let the queued writes end (they refuse to move the checkpoint)."""
        for write in self.writing:
            write.cancel()
        for write in self.writing:
            if not write.cancelled():
                write.exception()
        self.writing.clear()


#: In a preparer process: its own Intake, with its own database connection.
_preparer_intake: Intake | None = None


def _start_preparer(settings: Settings) -> None:
    global _preparer_intake
    _exit_with_parent()
    _preparer_intake = make_intake(
        settings, make_engine(settings.database_url("intake"), pool_size=1)
    )


#: How often a preparer looks whether the import worker that started it is still there.
PARENT_CHECK_SECONDS = 1.0


def _exit_with_parent() -> None:
    """End this preparer when the import worker that started it is gone. A killed worker (SIGKILL,
    the OOM killer) never tells its pool to stop, and its preparers would otherwise wait on the
    pool's queue for ever, a few hundred MB each."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _prepare_in_preparer(
    kind: str, items: list[Any], principal: Principal, import_id: str, rows: list[int]
) -> Prepared:
    assert _preparer_intake is not None, "the pool's initializer did not run"
    return importing.prepare_batch(_preparer_intake, kind, items, principal, import_id, rows)


def make_intake(settings: Settings, engine: Engine) -> Intake:
    sessions = make_session_factory(engine)
    pseudonymiser = Pseudonymiser.from_setting(settings.pseudonym_keys, settings.pseudonym_key_id)
    return Intake(pseudonymiser, lambda: UnitOfWork(sessions))


def build_import_worker(settings: Settings, engine: Engine) -> ImportWorker:
    """The worker as ``turvaverkko worker intake imports`` runs it."""
    return ImportWorker(
        engine,
        make_intake(settings, engine),
        preparers=settings.import_preparers,
        settings=settings,
        max_hours=settings.import_max_hours,
    )
