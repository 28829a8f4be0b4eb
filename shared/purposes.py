"""Why client-level data is read or changed: the purposes an audit entry names, said once for every
service (the ``X-Purpose`` request header; ``case_work`` when it is not sent)."""

from __future__ import annotations

PURPOSES = ("case_work", "supervision", "client_request", "data_protection_audit")
DEFAULT_PURPOSE = "case_work"
