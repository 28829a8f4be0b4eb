"""End to end through `turvaverkko run`: every process of the stack at work together. Reference
data leaves the pilots service's outbox, crosses RabbitMQ into intake's copy; a referral posted to
the running intake is accepted, and its event is published by intake's relay."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shared.auth import mint_dev_token
from shared.config import Settings
from tests.integration.conftest import INTAKE_TABLES
from tests.support.intake_data import reference_events, referral
from tests.support.probe import write_events
from tests.support.stack import start_stack
from tests.support.workers import wait_until

pytestmark = pytest.mark.integration


def _call(method: str, url: str, token: str, body: Any = None) -> tuple[int, Any]:
    request = urllib.request.Request(  # noqa: S310 - loopback only
        url,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        data=json.dumps(body).encode() if body is not None else None,
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_a_referral_flows_through_the_running_stack(
    settings: Settings, engines: dict[str, Engine], tmp_path: Path
) -> None:
    with engines["intake"].begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {', '.join(INTAKE_TABLES)}"))
    stack = start_stack(settings, tmp_path, wait_for=("intake",))
    intake = stack.url("intake")
    token = mint_dev_token(settings, "integration", pilots=["pilot-a"], subject="e2e")
    try:
        # The pilots service publishes its reference data through its own outbox and relay.
        write_events(engines["pilots"], reference_events())
        answers: list[tuple[int, Any]] = []

        def accepted() -> bool:
            answers.append(_call("POST", f"{intake}/v1/referrals", token, referral(1)))
            return answers[-1][0] == 201

        wait_until(accepted, 60, "intake to know pilot-a", interval=0.25)
        assert all(status == 422 for status, _ in answers[:-1])  # unknown pilot until then
        event_id = answers[-1][1]["event_id"]
        wait_until(
            lambda: (
                _call("GET", f"{intake}/v1/events/{event_id}", token)[1]["state"] == "published"
            ),
            60,
            "the event to be published",
            interval=0.25,
        )
    finally:
        output = stack.stop()
    assert stack.process.returncode == 0, output
    assert "intake.reference-data" in output and "intake.imports" in output
