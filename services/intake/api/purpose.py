"""The ``X-Purpose`` header of intake's audited endpoints: why client-level data is processed,
written to the audit log (``shared.purposes``; ``case_work`` when not sent)."""

from __future__ import annotations

from flask import request

from shared.errors import Unprocessable
from shared.purposes import DEFAULT_PURPOSE, PURPOSES

#: The header's OpenAPI parameter.
PURPOSE_HEADER = {
    "in": "header",
    "name": "X-Purpose",
    "required": False,
    "schema": {"type": "string", "enum": list(PURPOSES), "default": DEFAULT_PURPOSE},
    "description": "Why the data is processed; written to the audit log.",
}


def purpose() -> str:
    """The request's purpose; 422 naming the header if it is not one of ``PURPOSES``."""
    value = request.headers.get("X-Purpose", DEFAULT_PURPOSE)
    if value not in PURPOSES:
        detail = f"One of: {', '.join(PURPOSES)}."
        raise Unprocessable(errors=[{"header": "X-Purpose", "detail": detail}])
    return value
