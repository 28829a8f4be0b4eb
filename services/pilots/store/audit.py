"""The audit log of client-level access: who (subject, role, organisation), did what, to which
case, when, and for what purpose — so that a young person can be told who processed their data.

Append-only: a database trigger refuses UPDATE, DELETE and TRUNCATE. Tamper-evident: each entry's
hash covers the previous entry's hash and its own fields, so an entry changed or removed by someone
who got round the trigger breaks the chain (``verify``). Appends are serialised by a transaction
lock so that the chain has one order.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from services.pilots.store.tables import audit_entry
from shared.audit_chain import GENESIS, HashChain
from shared.observability import current_request_id
from shared.principal import Principal
from shared.purposes import PURPOSES

__all__ = ["GENESIS", "PURPOSES", "record", "verify"]


def _fields(entry: dict[str, Any]) -> tuple[str, ...]:
    return (
        entry["at"].astimezone(UTC).isoformat(),
        entry["subject"],
        entry["role"],
        entry["organisation"] or "",
        entry["action"],
        entry["case_id"],
        entry["pilot_id"],
        entry["purpose"],
        entry["request_id"] or "",
    )


#: an application-wide advisory lock for the chain's order
CHAIN = HashChain(audit_entry, 0x7475727661, _fields)


def record(
    session: Session,
    principal: Principal,
    action: str,
    cases: Iterable[dict[str, Any]],
    purpose: str,
) -> None:
    """One entry per case, chained, in the caller's transaction."""
    at, request_id = datetime.now(UTC), current_request_id()
    CHAIN.append(
        session,
        [
            {
                "at": at,
                "subject": principal.subject,
                "role": principal.role,
                "organisation": principal.organisation,
                "action": action,
                "case_id": found["id"],
                "pilot_id": found["pilot_id"],
                "purpose": purpose,
                "request_id": request_id,
            }
            for found in cases
        ],
    )


def verify(session: Session) -> list[int]:
    """The ids of entries whose hash or link does not hold (empty: the chain is intact)."""
    return CHAIN.verify(session)
