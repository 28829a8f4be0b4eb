"""Intake's audit log of client-level access: who (subject, role, organisation) did what
(``action``: a case look-up, an attendance register recorded or read), for what purpose, which
cases it concerned, and when — so that a young person can be told who processed their data.
Never the identity code, client number or pseudonym a look-up was made with.

Append-only: a database trigger refuses UPDATE, DELETE and TRUNCATE. Tamper-evident: each entry's
hash covers the previous entry's hash and its own fields, so an entry changed or removed by someone
who got round the trigger breaks the chain (``verify``). Appends are serialised by a transaction
lock so that the chain has one order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from services.intake.store.tables import audit_entry
from shared.audit_chain import GENESIS, HashChain
from shared.observability import current_request_id
from shared.principal import Principal

__all__ = ["GENESIS", "entries_naming", "record", "verify"]


def _fields(entry: dict[str, Any]) -> tuple[str, ...]:
    return (
        entry["at"].astimezone(UTC).isoformat(),
        entry["subject"],
        entry["role"],
        entry["organisation"] or "",
        entry["action"],
        entry["purpose"],
        ",".join(entry["case_ids"]),
        entry["request_id"] or "",
    )


#: ("intake") an application-wide advisory lock for the chain's order
CHAIN = HashChain(audit_entry, 0x696E74616B65, _fields)


def record(
    session: Session,
    principal: Principal,
    action: str,
    case_ids: Sequence[str],
    purpose: str,
) -> None:
    """One entry, chained, in the caller's transaction (also when no case was concerned: a
    look-up that found nothing is a look-up too)."""
    CHAIN.append(
        session,
        [
            {
                "at": datetime.now(UTC),
                "subject": principal.subject,
                "role": principal.role,
                "organisation": principal.organisation,
                "action": action,
                "purpose": purpose,
                "case_ids": sorted(case_ids),
                "request_id": current_request_id(),
            }
        ],
    )


def verify(session: Session) -> list[int]:
    """The ids of entries whose hash or link does not hold (empty: the chain is intact)."""
    return CHAIN.verify(session)


def entries_naming(session: Session, case_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Every entry naming any of ``case_ids``, oldest first (who, role, organisation, what, why,
    when — and which of those cases)."""
    wanted = sorted(set(case_ids))
    a = audit_entry.c
    rows = session.execute(
        sa.select(a.at, a.subject, a.role, a.organisation, a.action, a.purpose, a.case_ids)
        .where(a.case_ids.overlap(sa.cast(wanted, postgresql.ARRAY(sa.Text))))
        .order_by(a.id)
    ).mappings()
    return [dict(r) | {"case_ids": sorted(set(r["case_ids"]) & set(wanted))} for r in rows]
