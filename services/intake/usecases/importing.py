"""Importing a file: what the import worker (``workers.imports``) does with an import it has
taken — each batch of the file's rows prepared (validated, checked, pseudonymised, turned into
events: reading, never writing) and then written with its rejected rows, the outcome of each row
that is not a new event, the job's counts and its checkpoint, in one transaction; the last batch
finishes the import; an unreadable file fails it; an import not ended in time expires. An import
that ends erases its file in the same transaction and publishes ``import.finished`` or
``import.failed`` with counts only.

Every batch is checked as its uploader's items would be (``imports.principal_of``), through the
same path as the API's (``usecases.items.Intake``)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from services.intake.domain.files import RowError
from services.intake.domain.import_results import NO_SOURCE, rejected_source
from services.intake.domain.items import ItemResult
from services.intake.domain.validation import validate_items
from services.intake.store import imports
from services.intake.store.items import Prepared
from services.intake.usecases.items import Intake
from shared.db import UnitOfWork
from shared.messaging.envelope import Envelope, source_of
from shared.messaging.events import EventType
from shared.principal import Principal

log = logging.getLogger(__name__)
SOURCE = source_of("intake")


class CheckpointMoved(RuntimeError):
    """A batch would not continue from the job's checkpoint: an earlier batch failed, or another
    worker has taken the job over. Nothing of the batch is stored."""


def job_event(event_type: str, job: Any) -> Envelope:
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
        "uploaded_by_role": job.created_by_role,
        "organisation": job.created_by_org,
    }
    if job.failure:
        data["failure"] = job.failure
    return Envelope.new(event_type, SOURCE, data, subject=f"import/{job.id}")


def prepare_batch(
    intake: Intake,
    kind: str,
    items: list[Any],
    principal: Principal,
    import_id: str,
    rows: list[int],
) -> Prepared:
    """Validate and prepare a batch of a file's readable rows (``rows``: each item's row number),
    for COPY; reads only (its unit of work is rolled back)."""
    validated = validate_items(kind, items)
    with intake.unit_of_work() as uow:  # reads only; rolled back at the end
        prepared = intake.prepare(
            uow.session, kind, validated, principal, import_id, for_copy=True, row_numbers=rows
        )
    # Each row's source pair for its results: as loaded; a row already rejected, as it may be
    # kept (``domain.import_results``). A row found a duplicate or rejected later in ``store``
    # (a twin, stored meanwhile) has a valid pair: no other than an accepted row's.
    rejected = {r.index for r in prepared.results if r.status == "rejected"}
    prepared.sources = [
        rejected_source(kind, raw, item)
        if index in rejected
        else (item["source_system"], item["source_id"])
        if item is not None
        else NO_SOURCE
        for index, (raw, (item, _)) in enumerate(zip(items, validated, strict=True))
    ]
    return prepared


def write_batch(
    uow: UnitOfWork,
    intake: Intake,
    job: Any,
    batch: list[tuple[int, Any]],
    items: list[tuple[int, Any]],
    unreadable: list[RowError],
    prepared: Prepared,
    previous_checkpoint: int,
    finish: bool,
) -> None:
    """The batch's events (each with its row), rejected rows, the outcome of each row that is not
    a new event, counts and checkpoint, committed in one transaction; ``finish``: the file's last
    batch, which also finishes the import (its file erased, ``import.finished`` published).
    ``batch``: every (row, value) read; ``items``: the readable ones, as ``prepared``;
    ``unreadable``: the rows that could not be read. ``CheckpointMoved`` if the job's checkpoint
    is no longer ``previous_checkpoint`` (nothing is then stored)."""

    def record(uow: UnitOfWork, results: list[ItemResult]) -> None:
        errors = [{"row": e.row, "field": e.field, "message": e.message} for e in unreadable]
        outcomes: list[dict[str, Any]] = []
        sources = prepared.sources or [NO_SOURCE] * len(items)
        for (row, _), result, source in zip(items, results, sources, strict=True):
            errors += [
                {
                    "row": row,
                    "field": error.get("pointer", "#").removeprefix("#").lstrip("/") or None,
                    "message": error["detail"],
                }
                for error in result.errors
            ]
            if result.status == "duplicate" or (
                result.status == "rejected" and source != NO_SOURCE
            ):
                outcomes.append(
                    {
                        "row": row,
                        "outcome": result.status,
                        "source_system": source[0],
                        "source_id": source[1],
                        "event_id": result.event_id,
                    }
                )
        if errors or outcomes:
            imports.record_rows(uow.session, job.id, errors, outcomes)
        counts = {s: sum(r.status == s for r in results) for s in ("accepted", "duplicate")}
        updated = imports.advance(
            uow.session,
            job.id,
            previous_checkpoint,
            rows_read=len(batch),
            accepted=counts["accepted"],
            duplicates=counts["duplicate"],
            rejected=len(unreadable) + sum(r.status == "rejected" for r in results),
            checkpoint_row=batch[-1][0] if batch else None,
            finish=finish,
        )
        if updated is None:
            raise CheckpointMoved(
                f"import {job.id}: the checkpoint is no longer at row {previous_checkpoint}"
            )
        if finish:
            imports.erase_file(uow.session.connection(), job.id)
            uow.publish(job_event(EventType.IMPORT_FINISHED, updated))

    with uow:
        intake.write(uow, prepared, extra=record)


def fail(uow: UnitOfWork, job: Any, failure: str) -> None:
    """Fail the import with its reason (never a value of the file), erase its file and publish
    ``import.failed`` — unless it has ended meanwhile (expired: its file is gone already)."""
    log.warning("import %s failed: %s", job.id, failure)
    with uow:
        updated = imports.fail(uow.session, job.id, failure)
        if updated is None:
            return  # ended meanwhile (expired): its file is gone already
        imports.erase_file(uow.session.connection(), job.id)
        uow.publish(job_event(EventType.IMPORT_FAILED, updated))
        uow.commit()


def expire(uow: UnitOfWork, max_hours: float) -> Sequence[Any]:
    """Fail the imports that have not ended within ``max_hours`` of their upload, erase their
    files and publish their ``import.failed``; the failed jobs."""
    with uow:
        jobs = imports.expired(uow.session.connection(), max_hours)
        for job in jobs:
            uow.publish(job_event(EventType.IMPORT_FAILED, job))
        uow.commit()
    for job in jobs:
        log.warning("import %s expired: %s", job.id, job.failure)
    return jobs


def requeue(uow: UnitOfWork, job_id: str) -> None:
    """Put a job back in the queue (its worker is stopping), to be resumed after its checkpoint."""
    with uow:
        imports.requeue(uow.session.connection(), job_id)
        uow.commit()
