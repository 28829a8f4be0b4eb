"""`turvaverkko demo` against `turvaverkko run`: it loads the synthetic dataset through the public
APIs, prints the demo users, a demo worker then sees a living pilot, and a second run adds
nothing. Development only: any other environment is refused before anything is sent."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from services.demo import PILOTS, demo_users, load, offer
from shared.auth import mint_dev_token
from shared.config import Settings
from tests.conftest import ROOT, worker_environment
from tests.integration.conftest import INTAKE_TABLES, PILOTS_TABLES
from tests.support.notifications import empty_notifications
from tests.support.stack import TURVAVERKKO, RunningStack, start_stack
from tests.support.workers import wait_until

pytestmark = pytest.mark.integration


def _get(url: str, token: str) -> Any:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
        return json.load(response)


def _demo(stack: RunningStack, settings: Settings, **env: str) -> subprocess.CompletedProcess[str]:
    environment = (
        worker_environment(settings)
        | {f"TURVAVERKKO_{name.upper()}_PORT": str(port) for name, port in stack.ports.items()}
        | env
    )
    return subprocess.run(
        [TURVAVERKKO, "demo"],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _all(url: str, token: str) -> list[Any]:
    items: list[Any] = []
    cursor = ""
    while True:
        page = _get(url + "&limit=200" + (f"&cursor={cursor}" if cursor else ""), token)
        items += page["items"]
        cursor = page.get("next_cursor") or ""
        if not cursor:
            return items


def _counts(stack: RunningStack, settings: Settings) -> dict[str, int]:
    admin = mint_dev_token(settings, "admin", subject="test-admin")
    pilots = stack.url("pilots")
    counts: dict[str, int] = {}
    for pilot in PILOTS:
        cases = _all(f"{pilots}/v1/cases?pilot={pilot.id}", admin)
        counts[f"{pilot.id} cases"] = len(cases)
        counts[f"{pilot.id} tasks"] = len(_all(f"{pilots}/v1/tasks?pilot={pilot.id}", admin))
        counts[f"{pilot.id} timeline"] = sum(
            len(_get(f"{pilots}/v1/cases/{c['id']}/timeline", admin)) for c in cases[:10]
        )
        counts[f"{pilot.id} states"] = hash(tuple(sorted(c["state"] for c in cases)))
    return counts


def test_the_demo_loads_a_living_system_once(
    settings: Settings, engines: dict[str, Engine], tmp_path: Path
) -> None:
    for service, tables in (("intake", INTAKE_TABLES), ("pilots", PILOTS_TABLES)):
        with engines[service].begin() as connection:
            connection.execute(sa.text(f"TRUNCATE {', '.join(tables)}"))
    empty_notifications(engines["notifications"])
    stack = start_stack(settings, tmp_path)  # which reads the stack's output as it comes
    lines = stack.lines
    try:
        started = time.monotonic()
        wait_until(lambda: any("make demo" in line for line in lines), 10, "the offer")
        first = _demo(stack, settings)
        took = time.monotonic() - started
        assert first.returncode == 0, first.stdout + first.stderr
        assert took < 60, took
        for subject, role, members_of in demo_users():  # the users, printed at the end
            line = next(line for line in first.stdout.splitlines() if f" {subject} " in line)
            assert role in line and all(p in line for p in members_of)

        # A demo worker sees their pilot's cases with codes, tasks due today, a closed case
        # and a second episode — and no other pilot's cases.
        oulu = PILOTS[0]
        worker = mint_dev_token(settings, "pilot_worker", subject=oulu.worker, pilots=[oulu.id])
        pilots = stack.url("pilots")
        cases = _all(f"{pilots}/v1/cases?pilot={oulu.id}", worker)
        assert len(cases) >= 75 and all(c["code"] for c in cases)
        assert {c["pilot_id"] for c in cases} == {oulu.id}
        states = {c["state"] for c in cases}
        assert {"referred", "active", "closed", "declined"} <= states, states
        assert any(c["previous_case_id"] for c in cases)  # the re-referral's episode
        my_work = _get(f"{pilots}/v1/my-work", worker)
        assert my_work["tasks_due_today"] >= 1 and my_work["tasks_overdue"] >= 1, my_work
        assert my_work["new_referrals"] >= 1 and my_work["responsible_cases"] >= 1, my_work
        active = next(c for c in cases if c["state"] == "active")
        kinds = {e["kind"] for e in _get(f"{pilots}/v1/cases/{active['id']}/timeline", worker)}
        assert {"referral", "participation"} <= kinds, kinds

        assert offer(settings) is None  # `turvaverkko run` offers it on an empty database only

        # A second run adds nothing.
        before = _counts(stack, settings)
        second = _demo(stack, settings)
        assert second.returncode == 0, second.stdout + second.stderr
        assert "nothing (it was loaded already)" in second.stdout, second.stdout
        assert _counts(stack, settings) == before
    finally:
        output = stack.stop()
    assert stack.process.returncode == 0, output[-5000:]


@pytest.mark.parametrize(
    "changes",
    [
        {"env": "production", "jwks_url": "http://127.0.0.1:1/jwks"},
        {"jwks_url": "http://127.0.0.1:1/"},
    ],
)
def test_the_demo_refuses_outside_development(
    settings: Settings, changes: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    # Ports where nothing listens: a refusal sends nothing, so it cannot fail for them.
    elsewhere = dataclasses.replace(settings, intake_port=1, pilots_port=1, **changes)
    assert load(elsewhere) == 2
    said = capsys.readouterr()
    assert "only with TURVAVERKKO_ENV=development" in said.err and said.out == ""
