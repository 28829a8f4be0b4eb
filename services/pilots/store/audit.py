"""The audit log of client-level access: who (subject, role, organisation), did what, to which
case, when, and for what purpose — so that a young person can be told who processed their data.

Append-only: a database trigger refuses UPDATE, DELETE and TRUNCATE. Tamper-evident: each entry's
hash covers the previous entry's hash and its own fields, so an entry changed or removed by someone
who got round the trigger breaks the chain (``verify``). Appends are serialised by a transaction
lock so that the chain has one order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.pilots.store.tables import audit_entry
from shared.observability import current_request_id
from shared.principal import Principal
from shared.purposes import PURPOSES

__all__ = ["PURPOSES", "record", "verify"]

GENESIS = "0" * 64
_LOCK = 0x7475727661  # an application-wide advisory lock for the chain's order


def record(
    session: Session,
    principal: Principal,
    action: str,
    cases: Iterable[dict[str, Any]],
    purpose: str,
) -> None:
    """One entry per case, chained, in the caller's transaction."""
    cases = list(cases)
    if not cases:
        return
    session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
    previous = (
        session.execute(
            sa.select(audit_entry.c.hash).order_by(audit_entry.c.id.desc()).limit(1)
        ).scalar()
        or GENESIS
    )
    rows = []
    for found in cases:
        entry = {
            "at": datetime.now(UTC),
            "subject": principal.subject,
            "role": principal.role,
            "organisation": principal.organisation,
            "action": action,
            "case_id": found["id"],
            "pilot_id": found["pilot_id"],
            "purpose": purpose,
            "request_id": current_request_id(),
            "previous_hash": previous,
        }
        entry["hash"] = previous = _hash(entry)
        rows.append(entry)
    session.execute(sa.insert(audit_entry), rows)


def _hash(entry: dict[str, Any]) -> str:
    fields = (
        entry["previous_hash"],
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
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


def verify(session: Session) -> list[int]:
    """The ids of entries whose hash or link does not hold (empty: the chain is intact)."""
    broken: list[int] = []
    previous = GENESIS
    for row in session.execute(sa.select(audit_entry).order_by(audit_entry.c.id)).mappings():
        entry = dict(row)
        if entry["previous_hash"] != previous or _hash(entry) != entry["hash"]:
            broken.append(entry["id"])
        previous = entry["hash"]
    return broken
