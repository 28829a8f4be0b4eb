"""The right of access, intake's part (GDPR Art. 15; Act 703/2023 §11): for a young person's
cases, who looked them up, recorded or read their attendance, or recorded by case — from intake's
own audit log. The pilots service answers for the cases themselves (``POST /v1/cases/access-report``);
an admin answering a client's request asks both, with the case ids intake's look-up found. The
report is itself audited."""

from __future__ import annotations

from typing import Any

from services.intake.store import audit
from shared.db import UnitOfWork
from shared.errors import Forbidden, Unprocessable
from shared.principal import Principal

PURPOSES = ("client_request", "data_protection_audit")


def access_report(
    uow: UnitOfWork, principal: Principal, purpose: str, case_ids: list[str]
) -> list[dict[str, Any]]:
    if principal.role != "admin":
        raise Forbidden("Only an admin answers a client's request for access.")
    if purpose not in PURPOSES:
        raise Unprocessable(
            errors=[
                {
                    "header": "X-Purpose",
                    "detail": f"An access report is made for: {', '.join(PURPOSES)}.",
                }
            ]
        )
    entries = audit.entries_naming(uow.session, case_ids)
    audit.record(uow.session, principal, "access_report", case_ids, purpose)
    uow.commit()
    return entries
