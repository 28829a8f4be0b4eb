"""What API tests share: tokens for a role, and the check that an error is RFC 9457 problem+json."""

from __future__ import annotations

from typing import Any

from shared.auth import mint_dev_token
from shared.config import Settings
from shared.http import PROBLEM_JSON


def bearer(settings: Settings, role: str = "pilot_worker", **kw: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_dev_token(settings, role, **kw)}"}


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM_JSON
    body = response.get_json(force=True)
    assert body["status"] == status
    assert body["type"].startswith("https://") and body["title"]
    assert body["request_id"] == response.headers["X-Request-Id"]
    return body
