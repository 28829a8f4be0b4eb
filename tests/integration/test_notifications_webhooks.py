"""Webhooks to regional systems: registered per organisation and event type with a secret shown
once; signed so that the ``standardwebhooks`` library verifies them; a receiver that fails twice
and then succeeds gets exactly one successful delivery and three logged attempts; one that never
succeeds is retried with growing, jittered delays for 24 hours and then failed, visibly; private,
link-local and loopback targets are refused when registered and again when sent (the tests allow
loopback only); a withdrawn endpoint gets nothing more. The clock is the sender's ``now``: no
test waits for a retry."""

from __future__ import annotations

import base64
import itertools
import json
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from services.notifications.app import create_app
from services.notifications.consumers import RULES_CONSUMER
from services.notifications.consumers.sender import Sender
from shared.config import Settings
from shared.db import UnitOfWork, make_session_factory
from shared.messaging.consumer import Consumer
from shared.messaging.envelope import Envelope
from shared.messaging.events import EventType
from tests.support.api import assert_problem, bearer
from tests.support.consume import deliver
from tests.support.notifications import (
    WebhookReceiver,
    empty_notifications,
    loopback_allowed,
    pilot_published,
    task_event,
)

pytestmark = pytest.mark.integration

PILOT, REGION = "pilot-hooks", "org-pirha"


@pytest.fixture
def app(settings: Settings, engines: dict[str, Engine]) -> Iterator[Flask]:
    empty_notifications(engines["notifications"])
    app = create_app(loopback_allowed(settings))
    yield app
    app.extensions["turvaverkko"].engine.dispose()
    empty_notifications(engines["notifications"])


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def rules(settings: Settings, engines: dict[str, Engine]) -> Consumer:
    sessions = make_session_factory(engines["notifications"])
    consumer = Consumer(settings, RULES_CONSUMER, lambda: UnitOfWork(sessions))
    deliver(consumer, pilot_published(PILOT, {}, lead="org-lead", partners=(REGION,)))
    return consumer


@pytest.fixture
def sender(settings: Settings, engines: dict[str, Engine]) -> Iterator[Callable[..., Sender]]:
    made: list[Sender] = []

    def make(base: Settings | None = None) -> Sender:
        made.append(Sender(base or loopback_allowed(settings), engines["notifications"]))
        return made[-1]

    yield make
    for built in made:
        built.close()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as server:
        yield server


def integration(settings: Settings, org: str = REGION) -> dict[str, str]:
    return bearer(settings, "integration", subject=f"{org}-system", organisation=org)


def register(client: FlaskClient, settings: Settings, url: str) -> dict[str, Any]:
    r = client.post(
        "/v1/webhooks",
        json={"url": url, "event_types": ["task.due", "task.overdue"]},
        headers=integration(settings),
    )
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def attempts(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        return connection.execute(
            sa.text(
                "SELECT a.attempt, a.started_at, a.outcome, a.status_code, a.error "
                "FROM delivery_attempt a ORDER BY a.attempt"
            )
        ).all()


def test_an_integration_registers_its_organisations_webhooks_and_sees_the_secret_once(
    client: FlaskClient, settings: Settings
) -> None:
    r = client.post(
        "/v1/webhooks",
        json={"url": "http://127.0.0.1:8099/hook", "event_types": ["import.finished"]},
        headers=integration(settings),
    )
    assert r.status_code == 201, r.get_json()
    created = r.get_json()
    assert created["organisation"] == REGION and r.headers["Location"].endswith(created["id"])
    assert created["secret"].startswith("whsec_")
    assert len(base64.b64decode(created["secret"].removeprefix("whsec_"))) == 32
    read = client.get(f"/v1/webhooks/{created['id']}", headers=integration(settings)).get_json()
    assert "secret" not in read and read["event_types"] == ["import.finished"]
    listed = client.get("/v1/webhooks", headers=integration(settings)).get_json()["items"]
    assert [w["id"] for w in listed] == [created["id"]] and "secret" not in listed[0]

    other = integration(settings, "org-other")
    assert_problem(client.get(f"/v1/webhooks/{created['id']}", headers=other), 404)
    assert client.get("/v1/webhooks", headers=other).get_json()["items"] == []
    assert_problem(client.get(f"/v1/webhooks?organisation={REGION}", headers=other), 403)
    assert_problem(client.delete(f"/v1/webhooks/{created['id']}", headers=other), 404)
    body = {"organisation": REGION, "url": "http://127.0.0.1:8099/", "event_types": ["task.due"]}
    assert_problem(client.post("/v1/webhooks", json=body, headers=other), 403)
    assert_problem(client.post("/v1/webhooks", json=body, headers=bearer(settings)), 403)

    admin = bearer(settings, "admin")
    bad = assert_problem(
        client.post(
            "/v1/webhooks",
            json={"url": "gopher://x", "event_types": ["case.transitioned"], "colour": "red"},
            headers=admin,
        ),
        422,
    )
    assert {e["pointer"] for e in bad["errors"]} == {"#/event_types/0", "#/colour"}
    bad = assert_problem(
        client.post(
            "/v1/webhooks", json={"url": "gopher://x", "event_types": ["task.due"]}, headers=admin
        ),
        422,
    )
    assert {e["pointer"] for e in bad["errors"]} == {"#/organisation", "#/url"}
    assert client.get("/v1/webhooks", headers=admin).get_json()["items"] == listed

    assert (
        client.delete(f"/v1/webhooks/{created['id']}", headers=integration(settings)).status_code
        == 204
    )
    assert_problem(client.get(f"/v1/webhooks/{created['id']}", headers=integration(settings)), 404)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://10.0.0.1/hook", "a private address"),
        ("http://192.168.1.20:8443/hook", "a private address"),
        ("http://169.254.169.254/latest/meta-data/", "a link-local address"),
        ("http://[fe80::1]/hook", "a link-local address"),
        ("http://[::1]:8080/hook", "a loopback address"),  # loopback is allowed for IPv4 only
        ("http://[::ffff:10.0.0.1]/hook", "a private address"),
        ("http://0.0.0.0/hook", "an unspecified address"),
        ("http://224.0.0.1/hook", "a multicast address"),
        ("ftp://example.org/hook", "Only https and http URLs"),
        ("file:///etc/passwd", "Only https and http URLs"),
        ("http://user:password@127.0.0.1/hook", "Credentials do not belong"),
        ("http:///hook", "names no host"),
    ],
)
def test_a_private_link_local_or_loopback_webhook_address_is_refused(
    client: FlaskClient, settings: Settings, url: str, why: str
) -> None:
    body = {"url": url, "event_types": ["task.due"]}
    problem = assert_problem(
        client.post("/v1/webhooks", json=body, headers=integration(settings)), 422
    )
    [error] = problem["errors"]
    assert error["pointer"] == "#/url" and why in error["detail"]


def test_loopback_is_refused_too_unless_explicitly_allowed(
    settings: Settings, engines: dict[str, Engine]
) -> None:
    app = create_app(settings)  # nothing allowed: public addresses only
    try:
        client = app.test_client()
        for url in ("http://127.0.0.1:8099/hook", "http://localhost:8099/hook"):
            body = {"url": url, "event_types": ["task.due"]}
            problem = assert_problem(
                client.post("/v1/webhooks", json=body, headers=integration(settings)), 422
            )
            assert "a loopback address" in problem["errors"][0]["detail"]
    finally:
        app.extensions["turvaverkko"].engine.dispose()


def test_a_webhook_is_signed_so_that_standardwebhooks_verifies_it(
    client: FlaskClient,
    settings: Settings,
    rules: Consumer,
    sender: Callable[..., Sender],
    receiver: WebhookReceiver,
) -> None:
    endpoint = register(client, settings, receiver.url)
    task = task_event(EventType.TASK_DUE, "user-1", PILOT)
    deliver(rules, task)
    assert sender().run_once().statuses == {"delivered": 1}

    [request] = receiver.requests
    payload = Webhook(endpoint["secret"]).verify(request.body, request.headers)
    assert payload["type"] == "task.due"
    assert payload["data"] == {"pilot_id": PILOT, "due_on": task.data["due_on"]}
    assert datetime.fromisoformat(payload["timestamp"]) == task.time
    for secret_data in ("case_id", "task_id", "title", "assignee"):
        assert str(task.data[secret_data]).encode() not in request.body
    assert request.headers["webhook-id"].startswith("msg_")
    assert request.headers["content-type"] == "application/json"
    assert request.path == "/hooks/turvaverkko"
    forged = "whsec_" + base64.b64encode(b"x" * 32).decode()
    with pytest.raises(WebhookVerificationError):
        Webhook(forged).verify(request.body, request.headers)
    tampered = request.body.replace(PILOT.encode(), b"pilot-other")
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint["secret"]).verify(tampered, request.headers)


def test_a_receiver_that_fails_twice_and_then_succeeds_gets_exactly_one_successful_delivery(
    client: FlaskClient,
    settings: Settings,
    engines: dict[str, Engine],
    rules: Consumer,
    sender: Callable[..., Sender],
) -> None:
    with WebhookReceiver(statuses=[500, 503], then=200) as flaky:
        endpoint = register(client, settings, flaky.url)
        deliver(rules, task_event(EventType.TASK_OVERDUE, "user-1", PILOT))
        sending = sender()
        start = datetime.now(UTC)
        assert sending.run_once(start).statuses == {"pending": 1}
        assert sending.run_once(start + timedelta(hours=1)).statuses == {"pending": 1}
        assert sending.run_once(start + timedelta(hours=2)).statuses == {"delivered": 1}
        assert sending.run_once(start + timedelta(hours=30)).claimed == 0
        assert [r.answered for r in flaky.requests] == [500, 503, 200]
        assert len({r.headers["webhook-id"] for r in flaky.requests}) == 1  # one message
        for request in flaky.requests:
            Webhook(endpoint["secret"]).verify(request.body, request.headers)

    admin = bearer(settings, "admin")
    [logged] = client.get("/v1/deliveries?channel=webhook", headers=admin).get_json()["items"]
    assert (logged["status"], logged["attempts"], logged["endpoint_id"]) == (
        "delivered",
        3,
        endpoint["id"],
    )
    detail = client.get(f"/v1/deliveries/{logged['id']}", headers=admin).get_json()
    assert [(a["attempt"], a["outcome"], a["status_code"]) for a in detail["attempt_log"]] == [
        (1, "retry", 500),
        (2, "retry", 503),
        (3, "delivered", 200),
    ]
    assert detail["attempt_log"][0]["error"] == "HTTP 500"
    assert all(a["duration_ms"] >= 0 for a in detail["attempt_log"])


def test_a_receiver_that_never_succeeds_is_retried_with_back_off_for_24_hours_then_failed(
    client: FlaskClient,
    settings: Settings,
    engines: dict[str, Engine],
    rules: Consumer,
    sender: Callable[..., Sender],
) -> None:
    with WebhookReceiver(then=503) as dead:
        register(client, settings, dead.url)
        deliver(rules, task_event(EventType.TASK_DUE, "user-1", PILOT))
        sending = sender()
        now = datetime.now(UTC)
        for _ in range(500):
            sending.run_once(now)
            with engines["notifications"].connect() as connection:
                status, due = connection.execute(
                    sa.text("SELECT status, next_attempt_at FROM delivery")
                ).one()
            if status != "pending":
                break
            now = due
        assert status == "failed"
        assert sending.run_once(now + timedelta(days=2)).claimed == 0
        assert len(dead.requests) == len(attempts(engines["notifications"]))

    tried = attempts(engines["notifications"])
    times = [a.started_at for a in tried]
    assert times[-1] - times[0] == timedelta(hours=24)  # the last try at the end of the window
    assert [a.outcome for a in tried] == ["retry"] * (len(tried) - 1) + ["failed"]
    base, cap = settings.delivery_retry_base_seconds, settings.delivery_retry_max_delay_seconds
    for n, (before, after) in enumerate(itertools.pairwise(times), start=1):
        assert (after - before).total_seconds() <= min(cap, base * 2 ** (n - 1)) + 0.001
    assert 20 < len(tried) < 200
    waits = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert len(set(waits)) > len(waits) // 2  # jittered: not one fixed schedule

    failed = client.get(
        "/v1/deliveries?status=failed", headers=bearer(settings, "admin")
    ).get_json()["items"]
    assert [(d["channel"], d["attempts"], d["last_error"]) for d in failed] == [
        ("webhook", len(tried), "HTTP 503")
    ]


def test_the_address_is_checked_again_when_sending_and_the_request_goes_where_it_was_checked(
    client: FlaskClient,
    settings: Settings,
    engines: dict[str, Engine],
    rules: Consumer,
    sender: Callable[..., Sender],
    receiver: WebhookReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A name that resolved to a public address at registration and to an inside one later
    (DNS rebinding) is not called; when that address is allowed, the request goes to the address
    just checked, with the registered name as its Host."""
    resolves_to = {"address": "93.184.215.14"}  # a public address

    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        assert host == "receiver.example.org"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (resolves_to["address"], port))]

    monkeypatch.setattr("services.notifications.adapters.webhooks.getaddrinfo", getaddrinfo)
    endpoint = register(client, settings, f"http://receiver.example.org:{receiver.port}/in")
    deliver(rules, task_event(EventType.TASK_DUE, "user-1", PILOT))
    resolves_to["address"] = "127.0.0.1"

    strict = sender(settings)  # no network allowed beyond the public ones
    assert strict.run_once().statuses == {"pending": 1}
    [refused] = attempts(engines["notifications"])
    assert refused.error.startswith("TargetRefused: The host resolves to a loopback address")
    assert receiver.requests == []

    later = datetime.now(UTC) + timedelta(hours=1)
    assert sender().run_once(later).statuses == {"delivered": 1}  # loopback allowed
    [request] = receiver.requests
    assert request.headers["host"] == f"receiver.example.org:{receiver.port}"
    assert request.path == "/in"
    Webhook(endpoint["secret"]).verify(request.body, request.headers)


def test_a_withdrawn_webhook_gets_nothing_more(
    client: FlaskClient,
    settings: Settings,
    engines: dict[str, Engine],
    rules: Consumer,
    sender: Callable[..., Sender],
    receiver: WebhookReceiver,
) -> None:
    endpoint = register(client, settings, receiver.url)
    deliver(rules, task_event(EventType.TASK_DUE, "user-1", PILOT))
    r = client.delete(f"/v1/webhooks/{endpoint['id']}", headers=integration(settings))
    assert r.status_code == 204
    assert sender().run_once().claimed == 0
    deliver(rules, task_event(EventType.TASK_DUE, "user-1", PILOT))
    assert sender().run_once().claimed == 0
    assert receiver.requests == []
    [cancelled] = client.get(
        "/v1/deliveries?channel=webhook", headers=bearer(settings, "admin")
    ).get_json()["items"]
    assert cancelled["status"] == "cancelled"


def test_an_organisation_hears_only_of_its_own_events_of_the_types_it_chose(
    client: FlaskClient,
    settings: Settings,
    rules: Consumer,
    sender: Callable[..., Sender],
    receiver: WebhookReceiver,
) -> None:
    register(client, settings, receiver.url)  # task.due and task.overdue of org-pirha's pilots
    deliver(
        rules,
        pilot_published("pilot-elsewhere", {}, lead="org-other"),
        task_event(EventType.TASK_DUE, "user-1", "pilot-elsewhere"),
        Envelope.new(  # a type the organisation did not choose
            EventType.LIFECYCLE_PHASE_CHANGED,
            "/turvaverkko/pilots",
            {
                "pilot_id": PILOT,
                "from_phase": "idea",
                "to_phase": "piloting",
                "changed_on": "2026-02-01",
            },
        ),
        task_event(EventType.TASK_OVERDUE, "user-1", PILOT),
    )
    assert sender().run_once().statuses == {"delivered": 1}
    [request] = receiver.requests
    assert json.loads(request.body)["type"] == "task.overdue"
