"""Import jobs: the uploaded file kept in sealed chunks in intake's own database while the import
waits or runs, claimed by an import worker, processed in batches whose outcome and checkpoint
commit together; the file is erased in the transaction that ends the import, and an import that
has not ended within the configured time is failed and its file erased."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from services.intake.domain.import_results import COLUMNS
from services.intake.domain.sealed_files import FileSeal
from services.intake.store.tables import (
    import_chunk,
    import_error,
    import_job,
    import_outcome,
    intake_event,
)
from shared.db import driver_execute
from shared.principal import Principal

CHUNK_BYTES = 1 << 20
#: A running job whose worker has not reported for this long is taken over by another worker.
STALE_SECONDS = 60


def receive(
    connection: Connection,
    stream: Any,
    kind: str,
    fmt: str,
    principal: Principal,
    seal: FileSeal,
) -> dict:
    """Store an upload read from ``stream`` chunk by chunk, each sealed; the job is queued at
    commit."""
    job_id = str(uuid.uuid4())
    connection.execute(
        import_job.insert().values(
            id=job_id,
            kind=kind,
            format=fmt,
            status="queued",
            created_by=principal.subject,
            created_by_role=principal.role,
            created_by_org=principal.organisation,
            created_by_pilots=sorted(principal.pilots),
            file_key_id=seal.key_id,
        )
    )
    size = seq = 0
    while chunk := stream.read(CHUNK_BYTES):
        connection.execute(
            import_chunk.insert().values(
                import_id=job_id, seq=seq, data=seal.seal(job_id, seq, chunk)
            )
        )
        size += len(chunk)
        seq += 1
    connection.execute(import_job.update().where(import_job.c.id == job_id).values(bytes=size))
    return {"id": job_id, "kind": kind, "format": fmt, "status": "queued", "bytes": size}


def claim(engine: Engine) -> Any | None:
    """Take the oldest queued job (or a running one whose worker has gone quiet)."""
    with engine.begin() as connection:
        candidate = (
            sa.select(import_job.c.id)
            .where(
                sa.or_(
                    import_job.c.status == "queued",
                    sa.and_(
                        import_job.c.status == "running",
                        import_job.c.heartbeat_at
                        < sa.func.now() - sa.text(f"interval '{STALE_SECONDS} seconds'"),
                    ),
                )
            )
            .order_by(import_job.c.created_at)
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        return connection.execute(
            import_job.update()
            .where(import_job.c.id == candidate)
            .values(
                status="running",
                heartbeat_at=sa.func.now(),
                started_at=sa.func.coalesce(import_job.c.started_at, sa.func.now()),
            )
            .returning(import_job)
        ).first()


def principal_of(job: Any) -> Principal:
    return Principal(
        job.created_by, job.created_by_role, job.created_by_org, frozenset(job.created_by_pilots)
    )


def advance(
    session: Session,
    import_id: str,
    previous_checkpoint: int,
    *,
    rows_read: int,
    accepted: int,
    duplicates: int,
    rejected: int,
    checkpoint_row: int | None,
    finish: bool,
) -> Any | None:
    """Add a batch's counts to the running job and move its checkpoint (to ``checkpoint_row``,
    unless None), finishing it if ``finish`` — only if the checkpoint is still at
    ``previous_checkpoint`` and the job still running (not expired, not taken over). The updated
    job, or None when it was not."""
    values: dict[str, Any] = {
        "rows_read": import_job.c.rows_read + rows_read,
        "accepted": import_job.c.accepted + accepted,
        "duplicates": import_job.c.duplicates + duplicates,
        "rejected": import_job.c.rejected + rejected,
        "heartbeat_at": sa.func.now(),
    }
    if checkpoint_row is not None:
        values["checkpoint_row"] = checkpoint_row
    if finish:
        values |= {"status": "finished", "finished_at": sa.func.now()}
    return session.execute(
        import_job.update()
        .where(
            import_job.c.id == import_id,
            import_job.c.checkpoint_row == previous_checkpoint,
            import_job.c.status == "running",  # not expired meanwhile
        )
        .values(**values)
        .returning(import_job)
    ).first()


def fail(session: Session, import_id: str, failure: str) -> Any | None:
    """Fail the running job with its reason; the failed job, or None if it had ended meanwhile
    (expired)."""
    return session.execute(
        import_job.update()
        .where(import_job.c.id == import_id, import_job.c.status == "running")
        .values(status="failed", failure=failure, finished_at=sa.func.now())
        .returning(import_job)
    ).first()


def requeue(connection: Connection, import_id: str) -> None:
    """Put the job back in the queue (a worker stopping mid-import), to resume after its
    checkpoint."""
    connection.execute(
        import_job.update().where(import_job.c.id == import_id).values(status="queued")
    )


def erase_file(connection: Connection, import_id: str) -> None:
    """Erase an import's uploaded file (call in the transaction that ends the import)."""
    connection.execute(import_chunk.delete().where(import_chunk.c.import_id == import_id))


#: Statuses of an import that has not ended: its file is still stored.
OPEN_STATUSES = ("queued", "running")


def expired(connection: Connection, max_hours: float) -> Sequence[Any]:
    """Fail every import that has not ended within ``max_hours`` of its upload and erase its file;
    returns the failed jobs (call in a transaction that also publishes their ``import.failed``)."""
    jobs = connection.execute(
        import_job.update()
        .where(
            import_job.c.status.in_(OPEN_STATUSES),
            import_job.c.created_at
            < sa.func.now() - sa.func.make_interval(0, 0, 0, 0, 0, 0, max_hours * 3600),
        )
        .values(
            status="failed",
            failure=f"The import did not end within {max_hours:g} hours of its upload; "
            "its file has been erased. Upload it again.",
            finished_at=sa.func.now(),
        )
        .returning(import_job)
    ).all()
    for job in jobs:
        erase_file(connection, job.id)
    return jobs


class ChunkReader(io.RawIOBase):
    """The uploaded file, read back chunk by chunk (never whole), each chunk opened with the key
    its job names."""

    def __init__(self, engine: Engine, import_id: str, seal: FileSeal, key_id: str | None) -> None:
        self._engine, self._id = engine, import_id
        self._seal, self._key_id = seal, key_id
        self._seq, self._buffer = 0, b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        if not self._buffer:
            with self._engine.connect() as connection:
                data = connection.execute(
                    sa.select(import_chunk.c.data).where(
                        import_chunk.c.import_id == self._id, import_chunk.c.seq == self._seq
                    )
                ).scalar()
            if data is None:
                return 0
            chunk = bytes(data)
            if self._key_id is not None:  # None: stored before files were sealed
                chunk = self._seal.open(self._key_id, self._id, self._seq, chunk)
            self._buffer, self._seq = chunk, self._seq + 1
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


def error_rows(session: Session, import_id: str) -> Iterator[Any]:
    """The rejected rows' errors (row number, field, message) in row order, streamed from the
    database (a server-side cursor), never read whole."""
    yield from (
        session.connection()
        .execution_options(yield_per=2000)
        .execute(
            sa.select(import_error.c.row_number, import_error.c.field, import_error.c.message)
            .where(import_error.c.import_id == import_id)
            .order_by(import_error.c.row_number)
        )
    )


def job(session: Session, import_id: str) -> Any | None:
    """The import job, or None."""
    return session.execute(sa.select(import_job).where(import_job.c.id == import_id)).first()


# A batch's rejected rows' errors and the outcomes of its rows that are not new events, in one
# statement (one round trip, each list parsed once by PostgreSQL), whatever their number.
_RECORD_ROWS = (
    "WITH errors AS (INSERT INTO import_error (import_id, row_number, field, message) "
    "SELECT %(import_id)s, row, field, message FROM json_to_recordset(%(errors)s::json) "
    "AS e(row bigint, field text, message text)) "
    "INSERT INTO import_outcome (import_id, row_number, outcome, source_system, source_id, "
    "event_id) SELECT %(import_id)s, row, outcome, source_system, source_id, event_id "
    "FROM json_to_recordset(%(outcomes)s::json) AS o(row bigint, outcome text, "
    "source_system text, source_id text, event_id text)"
)


def record_rows(
    session: Session,
    import_id: str,
    errors: Sequence[dict[str, Any]],
    outcomes: Sequence[dict[str, Any]],
) -> None:
    """Store a batch's rejected rows' errors (``row``, ``field``, ``message``) and the outcome of
    each of its rows that is not a new event (``row``, ``outcome``, ``source_system``,
    ``source_id``, ``event_id``) — one statement for the whole batch."""
    driver_execute(
        session,
        _RECORD_ROWS,
        {
            "import_id": import_id,
            "errors": orjson.dumps(errors).decode(),
            "outcomes": orjson.dumps(outcomes).decode(),
        },
    )


def _results(*columns: Any) -> Any:
    """A part of ``result_rows``: its columns named as the results CSV names them."""
    return sa.select(*(c.label(n) for c, n in zip(columns, COLUMNS, strict=True)))


def result_rows(session: Session, import_id: str, outcome: str | None = None) -> Iterator[Any]:
    """What became of each row of the import, in row order: (row, source system, source id,
    outcome, event id, field, message) — an accepted row is its event, a duplicate names the
    stored event, a rejected row comes once per error. ``outcome`` keeps only rows of that outcome.
    Streamed from the database (a server-side cursor), never read whole."""
    none = sa.null().cast(sa.Text)
    parts = []
    if outcome in (None, "accepted"):
        event = intake_event.c
        parts.append(
            _results(
                event.import_row,
                event.source_system,
                event.source_id,
                sa.literal("accepted", sa.Text),
                event.id,
                none,
                none,
            ).where(event.import_id == import_id)
        )
    if outcome in (None, "duplicate"):
        kept = import_outcome.c
        parts.append(
            _results(
                kept.row_number,
                kept.source_system,
                kept.source_id,
                kept.outcome,
                kept.event_id,
                none,
                none,
            ).where(kept.import_id == import_id, kept.outcome == "duplicate")
        )
    if outcome in (None, "rejected"):
        source, error = import_outcome.alias("source"), import_error.c
        parts.append(
            _results(
                error.row_number,
                source.c.source_system,
                source.c.source_id,
                sa.literal("rejected", sa.Text),
                none,
                error.field,
                error.message,
            )
            .select_from(
                import_error.outerjoin(
                    source,
                    sa.and_(
                        source.c.import_id == error.import_id,
                        source.c.row_number == error.row_number,
                        source.c.outcome == "rejected",
                    ),
                )
            )
            .where(error.import_id == import_id)
        )
    every = sa.union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    yield from (
        session.connection()
        .execution_options(yield_per=2000)
        .execute(sa.select(every).order_by(every.c.row.asc().nulls_last()))
    )
