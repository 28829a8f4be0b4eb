"""Following an import: its job (progress), and what became of each of its rows — seen only by
those the job is visible to: admins; the uploader; in the uploader's organisation, its
integrations (a regional system's other credentials) and whoever belongs to every pilot the
uploader could import for — never someone of the same organisation in other pilots only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from services.intake.domain.import_results import COLUMNS, OUTCOMES
from services.intake.store import imports
from shared.csv_cells import csv_row
from shared.db import UnitOfWork
from shared.errors import NotFound, Unprocessable
from shared.principal import Principal


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


def _lines(uow: UnitOfWork, import_id: str, outcome: str | None) -> Iterator[str]:
    yield csv_row(COLUMNS)
    with uow:
        for row in imports.result_rows(uow.session, import_id, outcome):
            yield csv_row(row)
