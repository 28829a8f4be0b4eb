"""Uploading a file and following its import: the upload stored, sealed, as it streams in (the
import worker then takes it: ``usecases.importing``); the job (progress), its rejected rows and
what became of each of its rows — seen only by those the job is visible to: admins; the uploader;
in the uploader's organisation, its integrations (a regional system's other credentials) and
whoever belongs to every pilot the uploader could import for — never someone of the same
organisation in other pilots only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from services.intake.domain.import_results import COLUMNS, OUTCOMES
from services.intake.domain.sealed_files import FileSeal
from services.intake.store import imports
from shared.csv_cells import csv_row
from shared.db import UnitOfWork
from shared.errors import NotFound, Unprocessable
from shared.principal import Principal


def upload(
    principal: Principal, uow: UnitOfWork, stream: Any, kind: str, fmt: str, seal: FileSeal
) -> dict[str, Any]:
    """Store a file read from ``stream`` (``fmt``: csv or ndjson; each row a ``kind`` item) chunk
    by chunk, each sealed, as a queued import of the caller's; the job (id, kind, format, status,
    bytes). The job is queued when the whole file is stored, in one transaction."""
    with uow:
        job = imports.receive(uow.session.connection(), stream, kind, fmt, principal, seal)
        uow.commit()
    return job


def may_see(job: Any, principal: Principal) -> bool:
    """Whether the caller may see this import job (the module's rule)."""
    if principal.role == "admin" or job.created_by == principal.subject:
        return True
    if principal.organisation is None or job.created_by_org != principal.organisation:
        return False
    return principal.role == "integration" or set(job.created_by_pilots) <= principal.pilots


def visible_job(principal: Principal, uow: UnitOfWork, job_id: str) -> Any:
    """The import job if the caller may see it; ``NotFound`` otherwise (whether or not it
    exists)."""
    with uow:
        job = imports.job(uow.session, job_id)
    if job is None or not may_see(job, principal):
        raise NotFound("No such import of yours.")
    return job


def results_csv(
    principal: Principal, uow: UnitOfWork, job_id: str, outcome: str | None = None
) -> tuple[Any, Iterator[str]]:
    """The job, and what became of each of its rows as CSV lines (``domain.import_results``:
    row, source system, source id, outcome, event id, and a rejected row's field and message
    once per error — never a value of the row), every cell through ``shared.csv_cells``.

    Whether the caller may see the job is decided here, before anything is streamed; the rows
    are then read, as the lines are taken, in a transaction of their own on ``uow``."""
    if outcome is not None and outcome not in OUTCOMES:
        detail = f"Must be one of: {', '.join(OUTCOMES)}."
        raise Unprocessable(errors=[{"parameter": "outcome", "detail": detail}])
    job = visible_job(principal, uow, job_id)
    return job, _lines(uow, job.id, outcome)


def errors_csv(principal: Principal, uow: UnitOfWork, job_id: str) -> tuple[Any, Iterator[str]]:
    """The job, and its rejected rows as CSV lines (row, field, message — never a value of the
    row), every cell through ``shared.csv_cells``. Whether the caller may see the job is decided
    before anything is streamed, as in ``results_csv``."""
    job = visible_job(principal, uow, job_id)
    return job, _error_lines(uow, job.id)


def _error_lines(uow: UnitOfWork, import_id: str) -> Iterator[str]:
    yield csv_row(("row", "field", "message"))
    with uow:
        for number, field, message in imports.error_rows(uow.session, import_id):
            yield csv_row((number, field, message))


def _lines(uow: UnitOfWork, import_id: str, outcome: str | None) -> Iterator[str]:
    yield csv_row(COLUMNS)
    with uow:
        for row in imports.result_rows(uow.session, import_id, outcome):
            yield csv_row(row)
