"""Import jobs: the uploaded file kept in sealed chunks in intake's own database while the import
waits or runs, claimed by an import worker, processed in batches whose outcome and checkpoint
commit together; the file is erased in the transaction that ends the import, and an import that
has not ended within the configured time is failed and its file erased."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from services.intake.domain.sealed_files import FileSeal
from services.intake.store.tables import import_chunk, import_error, import_job
from shared.csv_cells import csv_row
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


def errors_csv(engine: Engine, import_id: str) -> Iterator[str]:
    """The rejected rows as CSV, streamed from the database; every cell through the project's CSV
    cell neutraliser (``shared.csv_cells``), so no stored text can open as a formula."""
    yield csv_row(("row", "field", "message"))
    with engine.connect() as connection:
        rows = connection.execution_options(yield_per=2000).execute(
            sa.select(import_error.c.row_number, import_error.c.field, import_error.c.message)
            .where(import_error.c.import_id == import_id)
            .order_by(import_error.c.row_number)
        )
        for number, field, message in rows:
            yield csv_row((number, field, message))
