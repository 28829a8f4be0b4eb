"""End to end through `turvaverkko run`: every process of the stack at work together. Reference
data leaves the pilots service's outbox, crosses RabbitMQ into intake's copy; a referral posted to
the running intake is accepted, its event is published by intake's relay, and in the pilots
service it opens a case that the pilot's worker can read."""

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


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
            return int(response.status)
    except urllib.error.HTTPError as error:
        error.close()
        return error.code
    except OSError:
        return 0


def test_a_referral_flows_through_the_running_stack(
    settings: Settings, engines: dict[str, Engine], tmp_path: Path
) -> None:
    with engines["intake"].begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {', '.join(INTAKE_TABLES)}"))
    stack = start_stack(settings, tmp_path, wait_for=("intake",))
    intake = stack.url("intake")
    token = mint_dev_token(settings, "integration", pilots=["pilot-a"], subject="e2e")
    try:
        # The one origin answers too: the UI (or the page saying it is not built) and the APIs.
        web = stack.url("web")
        wait_until(lambda: _status(f"{web}/api/intake/health/ready") == 200, 60, "the web process")
        assert _status(f"{web}/cases/some-case") in (200, 503)  # index.html, or "make web"
        assert _status(f"{web}/api/pilots/health/live") == 200
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
    assert f"web            http://127.0.0.1:{stack.ports['web']}/" in output
    assert "\nweb " in output  # the web process's own lines (gunicorn's start)
    assert "intake.case-map" in output  # the case map's consumer runs with the rest


def test_a_pilot_made_in_pilots_lets_intake_take_a_referral_that_opens_a_case_there(
    settings: Settings, engines: dict[str, Engine], tmp_path: Path
) -> None:
    """The whole loop through the running stack: the pilots API → its outbox and relay → intake's
    and notifications' copies; a referral to intake → intake's relay → the pilots service's
    case-events and aggregates consumers → a referred case a worker of the pilot can open, the
    coordinators' table counting it (protected), and the notifications rules consumer → a new
    referral in the worker's inbox."""
    from tests.integration.conftest import PILOTS_TABLES
    from tests.support.notifications import empty_notifications

    with engines["pilots"].begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {', '.join(PILOTS_TABLES)}"))
    empty_notifications(engines["notifications"])
    stack = start_stack(settings, tmp_path, wait_for=("intake", "pilots", "notifications"))
    intake, pilots = stack.url("intake"), stack.url("pilots")
    notifications = stack.url("notifications")
    admin = mint_dev_token(settings, "admin", subject="e2e-admin")
    coordinator = mint_dev_token(settings, "coordinator", subject="e2e-coordinator")
    worker = mint_dev_token(settings, "pilot_worker", pilots=["e2e-pilot"], subject="e2e-worker")
    try:
        org = {"id": "e2e-org", "name": "E2E", "type": "ngo"}
        assert _call("POST", f"{pilots}/v1/organisations", admin, org)[0] == 201
        pilot = {
            "id": "e2e-pilot",
            "name_fi": "Päästä päähän",
            "lead_organisation_id": "e2e-org",
            "regions": ["08"],
            "theme": "participation",
            "target_group": "young people",
            "starts_on": "2026-01-01",
            "members": [{"subject": "e2e-worker", "role": "worker"}],
        }
        assert _call("POST", f"{pilots}/v1/pilots", admin, pilot)[0] == 201
        item = referral(7, pilot_id="e2e-pilot", source_id="E2E-1")
        wait_until(
            lambda: _call("POST", f"{intake}/v1/referrals", worker, item)[0] in (200, 201),
            60,
            "intake to know the new pilot",
            interval=0.25,
        )

        def cases() -> list[Any]:
            return _call("GET", f"{pilots}/v1/cases?pilot=e2e-pilot", worker)[1]["items"]

        wait_until(lambda: len(cases()) == 1, 60, "the referral to open a case", interval=0.25)
        [case] = cases()
        assert case["state"] == "referred" and case["age_band"] == "16-17"  # born 2010-05-04
        status, timeline = _call("GET", f"{pilots}/v1/cases/{case['id']}/timeline", worker)
        assert status == 200 and [e["kind"] for e in timeline] == ["referral"]

        # One young person referred: the coordinators' table counts them, and protects them.
        def referred() -> dict[str, Any]:
            period = item["referred_on"][:4]
            table = _call(
                "GET",
                f"{pilots}/v1/aggregates/referrals-by-pilot-month?period={period}",
                coordinator,
            )[1]
            return {c["dimensions"]["pilot"]: c for c in table["cells"]}

        wait_until(lambda: "e2e-pilot" in referred(), 60, "the roll-up", interval=0.25)
        assert referred()["e2e-pilot"]["suppressed"] == "primary"  # one person: not published

        # The notifications service tells the pilot's worker, in their inbox.
        def inbox() -> list[Any]:
            return _call("GET", f"{notifications}/v1/notifications", worker)[1]["items"]

        wait_until(lambda: len(inbox()) == 1, 60, "the worker to be told", interval=0.25)
        [told] = inbox()
        assert told["kind"] == "referral_received" and told["read"] is False

        # The worker finds the young person again by identity code: pilots announced the case
        # (case.opened) and intake's case map knows it — the code travels in a POST body only.
        lookup = {"identity_code": item["personal_identity_code"]}

        def found() -> list[Any]:
            status, body = _call("POST", f"{intake}/v1/case-lookups", worker, lookup)
            return body["cases"] if status == 200 else []

        wait_until(lambda: len(found()) == 1, 60, "intake's case map", interval=0.25)
        [mapped] = found()
        assert (mapped["case_id"], mapped["case_code"]) == (case["id"], case["code"])
        by_code = _call("POST", f"{pilots}/v1/cases/by-code", worker, {"code": case["code"]})
        assert by_code[0] == 200 and by_code[1]["id"] == case["id"]

        # A session's register by case id: the participation reaches the case's timeline.
        activity = {
            "id": "e2e-climbing",
            "pilot_id": "e2e-pilot",
            "name": "Climbing",
            "activity_type": "sports",
            "schedule": "one_off",
            "starts_at": "2026-10-01T16:00:00+03:00",
            "place_type": "outdoors",
        }
        assert _call("POST", f"{pilots}/v1/activities", admin, activity)[0] == 201
        register = {
            "starts_at": "2026-10-01T16:00:00+03:00",
            "duration_minutes": 90,
            "attendance": [{"case_id": case["id"], "attendance": "attended"}],
        }
        sessions = f"{intake}/v1/activities/e2e-climbing/sessions"
        wait_until(
            lambda: _call("POST", sessions, worker, register)[0] == 200,
            60,
            "intake to know the activity",
            interval=0.25,
        )

        def kinds() -> list[str]:
            line = _call("GET", f"{pilots}/v1/cases/{case['id']}/timeline", worker)[1]
            return [e["kind"] for e in line]

        wait_until(lambda: "participation" in kinds(), 60, "the register's participation")
        status, mine = _call("GET", f"{pilots}/v1/my-work", worker)
        assert status == 200 and mine["new_referrals"] == 1
    finally:
        output = stack.stop()
    assert stack.process.returncode == 0, output
    assert "pilots.case-events" in output and "pilots.scheduler" in output
    assert "notifications.rules" in output and "notifications.sender" in output
