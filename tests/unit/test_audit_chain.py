"""The audit logs' hash chain (shared/audit_chain.py) hashes exactly as the services' own chains
did before it was shared: an installation's existing entries still verify."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from services.intake.store import audit as intake_audit
from services.pilots.store import audit as pilots_audit

AT = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


def _written_before(*fields: str) -> str:
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


def test_a_pilots_entry_hashes_as_before() -> None:
    entry = {
        "previous_hash": "ab" * 32,
        "at": AT,
        "subject": "worker-1",
        "role": "pilot_worker",
        "organisation": None,
        "action": "read",
        "case_id": "c-1",
        "pilot_id": "pilot-a",
        "purpose": "case_work",
        "request_id": "r-1",
    }
    expected = _written_before(
        "ab" * 32, AT.isoformat(), "worker-1", "pilot_worker", "", "read", "c-1", "pilot-a",
        "case_work", "r-1",
    )  # fmt: skip
    assert pilots_audit.CHAIN.hash(entry) == expected


def test_an_intake_entry_hashes_as_before() -> None:
    entry = {
        "previous_hash": "0" * 64,
        "at": AT,
        "subject": "worker-1",
        "role": "pilot_worker",
        "organisation": "org-a",
        "action": "case_lookup",
        "purpose": "client_request",
        "case_ids": ["c-1", "c-2"],
        "request_id": None,
    }
    expected = _written_before(
        "0" * 64, AT.isoformat(), "worker-1", "pilot_worker", "org-a", "case_lookup",
        "client_request", "c-1,c-2", "",
    )  # fmt: skip
    assert intake_audit.CHAIN.hash(entry) == expected
