"""Cases: what a pilot's workers and leads (and admins) do with them.

Every function reads the case through the caller's :class:`CaseRepository`, so the scope (a case
of another pilot is 404) and the audit entry (who, what, which case, for what purpose) come with
the read. Coordinators and integrations never reach a case: the repository shows them none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.pilots.domain.case_codes import normalise
from services.pilots.store import cases as case_store
from services.pilots.store.case_repository import (
    CaseFilter,
    CaseRepository,
    ScopedCase,
    TaskFilter,
)
from shared.calendar import HELSINKI
from shared.db import UnitOfWork
from shared.errors import Forbidden, NotFound, Unprocessable
from shared.principal import Principal

CASE_ROLES = ("admin", "pilot_lead", "pilot_worker")


def repository(uow: UnitOfWork, principal: Principal, purpose: str) -> CaseRepository:
    if principal.role not in CASE_ROLES:
        raise Forbidden("Cases are seen by admins and by the workers and leads of their pilot.")
    return CaseRepository(uow.session, principal, purpose)


def _me(principal: Principal, value: str | None) -> str | None:
    """``me`` stands for the caller."""
    return principal.subject if value == "me" else value


def list_cases(
    uow: UnitOfWork,
    principal: Principal,
    purpose: str,
    query: dict[str, Any],
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """A page of the caller's pilots' cases (``limit + 1`` rows: the extra one says there is
    more). ``responsible=me`` is the caller; ``idle=true`` the cases idle now as the scheduler
    sees them, ``idle=false`` the others are not filtered (idle is a view, not a state)."""
    repo = repository(uow, principal, purpose)
    where = CaseFilter(
        pilot=query.get("pilot"),
        state=query.get("state"),
        responsible=_me(principal, query.get("responsible") or query.get("worker")),
        activity=query.get("activity"),
        referred_from=query.get("referred_from"),
        referred_to=query.get("referred_to"),
        idle_at=(now or datetime.now(UTC)) if query.get("idle") else None,
        previous_case=query.get("previous_case"),
        open=query.get("open"),
    )
    return repo.find(where, query.get("cursor"), query["limit"])


def find_by_code(uow: UnitOfWork, principal: Principal, purpose: str, typed: str) -> ScopedCase:
    """The case with this case code among the caller's pilots (404 otherwise, and for a code
    that cannot be one)."""
    code = normalise(typed)
    repo = repository(uow, principal, purpose)
    rows = repo.find(CaseFilter(code=code), None, 1, action="find_by_code") if code else []
    if not rows:
        raise NotFound("No case with this code among your pilots.")
    return repo.get(rows[0]["id"], "read")


def get_case(uow: UnitOfWork, principal: Principal, purpose: str, case_id: str) -> ScopedCase:
    return repository(uow, principal, purpose).get(case_id, "read")


def _ensure_members(
    repo: CaseRepository,
    case: ScopedCase,
    data: dict[str, Any],
    names: tuple[str, ...],
    current: dict[str, Any] | None = None,
) -> None:
    """Unprocessable naming each field of ``names`` that names someone who is not a member
    (worker or lead) of the case's pilot — a task or a case is never handed to another pilot's
    worker, whose notifications would then point into this pilot's case. ``None`` (no one) and
    a value left as it was (``current``) pass."""
    errors = []
    for name in names:
        subject = data.get(name)
        if subject is None or (current is not None and current.get(name) == subject):
            continue
        if not repo.is_member(case, subject):
            errors.append({"pointer": f"#/{name}", "detail": "Not a member of the case's pilot."})
    if errors:
        raise Unprocessable(errors=errors)


def update_case(
    uow: UnitOfWork,
    principal: Principal,
    purpose: str,
    case_id: str,
    expected_version: int,
    data: dict[str, Any],
) -> dict[str, Any]:
    """Name the responsible worker (a member of the case's pilot)."""
    repo = repository(uow, principal, purpose)
    case = repo.get(case_id, "update")
    _ensure_members(repo, case, data, ("responsible_worker",), current=dict(case.row))
    return repo.update(case, expected_version, data)


def move_case(
    uow: UnitOfWork,
    principal: Principal,
    purpose: str,
    case_id: str,
    to_state: str,
    reason: str,
    closing_reason: str | None,
) -> dict[str, Any]:
    """Move the case along its workflow (Conflict if the workflow does not allow it; a close or
    decline needs its reason). Publishes ``case.transitioned``."""
    case = repository(uow, principal, purpose).get(case_id, "transition", lock=True)
    return case_store.move(uow, dict(case.row), to_state, reason, closing_reason, principal)


def transitions(
    uow: UnitOfWork, principal: Principal, purpose: str, case_id: str
) -> list[dict[str, Any]]:
    repo = repository(uow, principal, purpose)
    return repo.transitions(repo.get(case_id, "read_transitions"))


def timeline(
    uow: UnitOfWork, principal: Principal, purpose: str, case_id: str
) -> list[dict[str, Any]]:
    repo = repository(uow, principal, purpose)
    return repo.timeline(repo.get(case_id, "read_timeline"))


def tasks(
    uow: UnitOfWork, principal: Principal, purpose: str, case_id: str
) -> list[dict[str, Any]]:
    repo = repository(uow, principal, purpose)
    return repo.tasks(repo.get(case_id, "read_tasks"))


def get_task(
    uow: UnitOfWork, principal: Principal, purpose: str, case_id: str, task_id: str
) -> dict[str, Any]:
    repo = repository(uow, principal, purpose)
    return repo.task(repo.get(case_id, "read_tasks"), task_id)


def add_task(
    uow: UnitOfWork, principal: Principal, purpose: str, case_id: str, data: dict[str, Any]
) -> dict[str, Any]:
    """A task for a member of the case's pilot."""
    repo = repository(uow, principal, purpose)
    case = repo.get(case_id, "add_task")
    _ensure_members(repo, case, data, ("assignee",))
    return repo.add_task(case, data)


def update_task(
    uow: UnitOfWork,
    principal: Principal,
    purpose: str,
    case_id: str,
    task_id: str,
    expected_version: int,
    data: dict[str, Any],
    merged_check: Any = None,
) -> dict[str, Any]:
    """Change a task or mark it done (reassigned only within the pilot)."""
    repo = repository(uow, principal, purpose)
    case = repo.get(case_id, "update_task")
    current = repo.task(case, task_id)
    if merged_check is not None:
        merged_check(current, data)
    _ensure_members(repo, case, data, ("assignee",), current=current)
    if "done" in data:
        data = data | {"done_at": datetime.now(UTC) if data["done"] else None}
    return repo.update_task(case, task_id, expected_version, data)


# --- my work ----------------------------------------------------------------------------------


def _task_filter(principal: Principal, query: dict[str, Any], now: datetime) -> TaskFilter:
    today = now.astimezone(HELSINKI).date()
    due = query.get("due")
    return TaskFilter(
        assignee=_me(principal, query.get("assigned")),
        pilot=query.get("pilot"),
        due_on=today if due == "today" else query.get("due_on"),
        overdue_on=today if query.get("overdue") else None,
        open=query.get("open"),
    )


def list_tasks(
    uow: UnitOfWork,
    principal: Principal,
    purpose: str,
    query: dict[str, Any],
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Tasks across the caller's cases: ``assigned=me``, ``due=today`` (Helsinki), ``overdue``,
    ``open``; by due date."""
    where = _task_filter(principal, query, now or datetime.now(UTC))
    return repository(uow, principal, purpose).list_tasks(
        where, query.get("cursor"), query["limit"]
    )


@dataclass(frozen=True)
class MyWork:
    tasks_due_today: int
    tasks_overdue: int
    tasks_open: int
    idle_cases: int
    new_referrals: int
    responsible_cases: int


def my_work(
    uow: UnitOfWork, principal: Principal, purpose: str, now: datetime | None = None
) -> MyWork:
    """The counts of the caller's dashboard, in one call; each count links to its list. Counts
    read no case, so they are not audited; the lists they link to are."""
    now = now or datetime.now(UTC)
    today = now.astimezone(HELSINKI).date()
    repo = repository(uow, principal, purpose)
    me = principal.subject
    return MyWork(
        tasks_due_today=repo.count_tasks(TaskFilter(assignee=me, due_on=today)),
        tasks_overdue=repo.count_tasks(TaskFilter(assignee=me, overdue_on=today)),
        tasks_open=repo.count_tasks(TaskFilter(assignee=me, open=True)),
        idle_cases=repo.count(CaseFilter(responsible=me, idle_at=now)),
        new_referrals=repo.count(CaseFilter(state="referred")),
        responsible_cases=repo.count(CaseFilter(responsible=me, open=True)),
    )


# --- the right of access ----------------------------------------------------------------------

ACCESS_REPORT_PURPOSES = ("client_request", "data_protection_audit")


def access_report(
    uow: UnitOfWork, principal: Principal, purpose: str, case_ids: list[str]
) -> list[dict[str, Any]]:
    """For each case (the young person's cases, found by intake's case lookup from their identity
    code): who read or changed it, when, in what role and for what purpose — from the audit
    log. An admin's work on a client's request (or a data protection audit), itself audited."""
    if principal.role != "admin":
        raise Forbidden("Only an admin answers a client's request for access.")
    if purpose not in ACCESS_REPORT_PURPOSES:
        raise Unprocessable(
            errors=[
                {
                    "header": "X-Purpose",
                    "detail": f"An access report is made for: {', '.join(ACCESS_REPORT_PURPOSES)}.",
                }
            ]
        )
    repo = repository(uow, principal, purpose)
    report = []
    missing = []
    for index, case_id in enumerate(case_ids):
        try:
            case = repo.get(case_id, "access_report")
        except NotFound:
            missing.append({"pointer": f"#/case_ids/{index}", "detail": "No such case."})
            continue
        report.append(
            {
                "case_id": case.id,
                "code": case.row["code"],
                "pilot_id": case.pilot_id,
                "entries": repo.access_log(case),
            }
        )
    if missing:
        raise NotFound("Some of these cases do not exist.", errors=missing)
    return report
