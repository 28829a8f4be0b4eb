"""Webhooks to regional systems: registered per organisation and event type with a secret shown
once; signed so that the ``standardwebhooks`` library verifies them; a receiver that fails twice
and then succeeds gets exactly one successful delivery and three logged attempts; one that never
succeeds is retried with growing, jittered delays for 24 hours and then failed, visibly; private,
link-local and loopback targets are refused when registered and again when sent (the tests allow
loopback only); a withdrawn endpoint gets nothing more. The clock is the sender's ``now``: no
test waits for a retry.

Signing secrets: the database holds none in clear (nor its base64 body, nor its bytes), the
answers and logs show one only where it is made, and a migrated one still signs; a rotated secret
signs beside the new one for the grace period only; an endpoint's URL and event types change
under ``If-Match``, and pending deliveries go to the new URL.

Connections and time: a TLS connection checked for one host name never carries a request to
another name at the same address; a receiver that trickles its answer is cut off at the timeout
(the request's, not each read's) without holding back the others, and an answer's body is never
read."""

from __future__ import annotations

import base64
import dataclasses
import itertools
import json
import logging
import os
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from alembic import command
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from services.notifications.adapters.webhooks import WebhookClient, new_secret
from services.notifications.app import create_app
from services.notifications.consumers import RULES_CONSUMER
from services.notifications.domain.outcome import Sent
from services.notifications.domain.signing_secrets import SealedSecret, SigningSecrets
from services.notifications.workers.sender import Sender
from shared import migrations
from shared.config import Settings
from shared.db import UnitOfWork, make_session_factory
from shared.messaging.consumer import Consumer
from shared.messaging.envelope import Envelope
from shared.messaging.events import EventType
from tests.support.api import assert_problem, bearer
from tests.support.consume import deliver
from tests.support.notifications import (
    HookReceiver,
    TricklingReceiver,
    WebhookReceiver,
    case_opened,
    certificate_for,
    loopback_allowed,
    pilot_published,
    task_event,
)

pytestmark = pytest.mark.integration

PILOT, REGION = "pilot-hooks", "org-pirha"


@pytest.fixture
def client(notifications_client: FlaskClient) -> FlaskClient:
    return notifications_client


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
    assert created["secret"].startswith("whsec_") and r.headers["Cache-Control"] == "no-store"
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
    assert {e["pointer"] for e in bad["errors"]} == {
        "#/event_types/0",
        "#",  # "colour" is no field of the API: not repeated
        "#/url",
        "#/organisation",
    }
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


def test_a_case_opened_reaches_only_the_referring_organisations_subscribed_endpoints(
    client: FlaskClient,
    settings: Settings,
    engines: dict[str, Engine],
    rules: Consumer,
    sender: Callable[..., Sender],
    receiver: WebhookReceiver,
) -> None:
    """The referring system learns the case code for its own source id, signed — and nothing
    that identifies the young person: no pseudonym, no key id. Another organisation's endpoint
    (even one subscribed, even a partner of the pilot) and the referring organisation's endpoint
    that did not choose ``case.opened`` get nothing; no one's inbox hears of it."""

    def subscribe(url: str, org: str, event_types: list[str]) -> dict[str, Any]:
        r = client.post(
            "/v1/webhooks",
            json={"url": url, "event_types": event_types},
            headers=integration(settings, org),
        )
        assert r.status_code == 201, r.get_json()
        return r.get_json()

    with WebhookReceiver() as other, WebhookReceiver() as unsubscribed:
        endpoint = subscribe(receiver.url, "org-referrer", ["case.opened"])
        subscribe(other.url, REGION, ["case.opened"])  # the pilot's partner, not the referrer
        subscribe(unsubscribed.url, "org-referrer", ["task.due", "import.finished"])
        opened = case_opened("org-referrer", PILOT, previous_case_id="c-earlier")
        deliver(
            rules,
            opened,
            case_opened(None, PILOT, source_id="R-2"),  # sent by no organisation: no one
        )
        assert sender().run_once().statuses == {"delivered": 1}
        assert other.requests == [] and unsubscribed.requests == []

    [request] = receiver.requests
    payload = Webhook(endpoint["secret"]).verify(request.body, request.headers)
    assert payload["type"] == "case.opened"
    assert payload["data"] == {
        "case_id": opened.data["case_id"],
        "case_code": "K7QM-3XPD",
        "pilot_id": PILOT,
        "opened_at": "2026-10-01T12:00:00+03:00",
        "source_system": "apotti-test",
        "source_id": "R-1",
    }
    for secret in ("pseudonym", "key_id", opened.data["pseudonym"], opened.data["key_id"]):
        assert secret.encode() not in request.body
    assert opened.data["referral"]["event_id"].encode() not in request.body
    # nor that the young person had an earlier case here, perhaps referred by someone else
    assert b"c-earlier" not in request.body
    with engines["notifications"].connect() as connection:
        channels = connection.execute(sa.text("SELECT channel FROM delivery")).scalars().all()
        items = connection.execute(sa.text("SELECT count(*) FROM notification")).scalar()
    assert (channels, items) == (["webhook"], 0)


# --- signing secrets at rest, rotation, and changing an endpoint --------------------------------


def clear_forms(secret: str) -> list[str]:
    """How a secret could sit in the database or an answer: as given, its base64 body, and (as
    PostgreSQL shows bytea) the hex of its bytes and of its text."""
    body = secret.removeprefix("whsec_")
    return [secret, body, base64.b64decode(body).hex(), secret.encode().hex(), body.encode().hex()]


def database_text(engine: Engine) -> str:
    """Every row of every table of the database, as text (bytea in hex)."""
    with engine.connect() as connection:
        tables = connection.execute(
            sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ).scalars()
        return "\n".join(
            row
            for table in list(tables)
            for row in connection.execute(sa.text(f'SELECT t::text FROM "{table}" t')).scalars()
        )


def shows_none(text: str, secrets: list[str]) -> bool:
    return not any(form in text for secret in secrets for form in clear_forms(secret))


def rotate(client: FlaskClient, endpoint_id: str, headers: dict[str, str]) -> dict[str, Any]:
    r = client.post(f"/v1/webhooks/{endpoint_id}/secret", headers=headers)
    assert r.status_code == 200, r.get_json()
    assert r.headers["Cache-Control"] == "no-store"
    return r.get_json()


def signatures(request: Any) -> list[str]:
    return str(request.headers["webhook-signature"]).split(" ")


def test_the_database_holds_no_signing_secret_in_clear_and_webhooks_still_verify(
    client: FlaskClient,
    settings: Settings,
    engines: dict[str, Engine],
    rules: Consumer,
    sender: Callable[..., Sender],
    receiver: WebhookReceiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    endpoint = register(client, settings, receiver.url)
    rotated = rotate(client, endpoint["id"], integration(settings))
    secrets = [endpoint["secret"], rotated["secret"]]
    deliver(rules, task_event(EventType.TASK_DUE, "user-1", PILOT))
    assert sender().run_once().statuses == {"delivered": 1}
    [request] = receiver.requests
    for secret in secrets:
        Webhook(secret).verify(request.body, request.headers)

    stored = database_text(engines["notifications"])
    assert shows_none(stored, secrets)
    with engines["notifications"].connect() as connection:
        sealed = connection.execute(
            sa.text("SELECT endpoint_id, key_id, nonce, ciphertext FROM webhook_secret")
        ).all()
    assert [(s.endpoint_id, s.key_id) for s in sealed] == [
        (endpoint["id"], settings.webhook_secret_key_id)
    ] * 2
    assert all(bytes(s.ciphertext).hex() in stored for s in sealed)  # the search saw them

    admin = bearer(settings, "admin")
    [logged] = client.get("/v1/deliveries", headers=admin).get_json()["items"]
    answers = [
        client.get(f"/v1/webhooks/{endpoint['id']}", headers=integration(settings)),
        client.get("/v1/webhooks", headers=admin),
        client.get("/v1/deliveries", headers=admin),
        client.get(f"/v1/deliveries/{logged['id']}", headers=admin),
    ]
    for answer in answers:
        assert answer.status_code == 200
        assert shows_none(answer.get_data(as_text=True), secrets)
    assert "new signing secret made" in caplog.text  # the log was captured…
    assert shows_none(caplog.text, secrets)  # …and shows no secret


def test_a_rotated_secret_still_signs_beside_the_new_one_for_the_grace_period_only(
    client: FlaskClient,
    settings: Settings,
    rules: Consumer,
    sender: Callable[..., Sender],
    receiver: WebhookReceiver,
) -> None:
    """Two receivers — one still with the old secret, one with the new — both verify during the
    overlap; afterwards only the new one does. The sender's ``now`` walks past the grace period;
    the signatures keep the wall clock's time, which the receivers check."""
    endpoint = register(client, settings, receiver.url)
    old = endpoint["secret"]
    made = datetime.now(UTC)
    rotated = rotate(client, endpoint["id"], integration(settings))
    new = rotated["secret"]
    assert new.startswith("whsec_") and new != old
    assert len(base64.b64decode(new.removeprefix("whsec_"))) == 32
    until = datetime.fromisoformat(rotated["previous_secret_expires_at"])
    grace = timedelta(hours=settings.webhook_secret_grace_hours)
    assert made + grace - timedelta(minutes=1) < until < datetime.now(UTC) + grace
    read = client.get(f"/v1/webhooks/{endpoint['id']}", headers=integration(settings))
    assert "secret" not in read.get_json() and read.headers["ETag"] == '"2"'
    assert read.get_json()["previous_secret_expires_at"] == rotated["previous_secret_expires_at"]

    sending = sender()
    moments: dict[str, datetime | None] = {
        "just after": None,  # the sender's own clock, once the event is in
        "near the end": until - timedelta(minutes=1),
        "after": until + timedelta(seconds=1),
    }
    received = {}
    for moment, now in moments.items():
        deliver(rules, task_event(EventType.TASK_DUE, "user-1", PILOT))
        assert sending.run_once(now).statuses == {"delivered": 1}, moment
        received[moment] = receiver.requests[-1]

    for moment in ("just after", "near the end"):
        request = received[moment]
        assert len(signatures(request)) == 2, moment
        assert all(s.startswith("v1,") for s in signatures(request))
        Webhook(old).verify(request.body, request.headers)  # the receiver not yet switched
        Webhook(new).verify(request.body, request.headers)  # the receiver already switched
    after = received["after"]
    assert len(signatures(after)) == 1
    Webhook(new).verify(after.body, after.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(after.body, after.headers)


def test_only_an_admin_or_the_owning_integration_rotates_and_every_replaced_secret_keeps_its_grace(
    client: FlaskClient,
    settings: Settings,
    engines: dict[str, Engine],
    rules: Consumer,
    sender: Callable[..., Sender],
    receiver: WebhookReceiver,
) -> None:
    endpoint = register(client, settings, receiver.url)
    path = f"/v1/webhooks/{endpoint['id']}/secret"
    assert_problem(client.post(path, headers=integration(settings, "org-other")), 404)
    for role in ("coordinator", "pilot_worker", "pilot_lead"):
        assert_problem(client.post(path, headers=bearer(settings, role)), 403)
    assert_problem(
        client.post("/v1/webhooks/no-such/secret", headers=bearer(settings, "admin")), 404
    )

    # Rotating twice (a retried request, say) does not cut short the first secret's overlap.
    by_admin = rotate(client, endpoint["id"], bearer(settings, "admin"))
    again = rotate(client, endpoint["id"], integration(settings))
    secrets = [endpoint["secret"], by_admin["secret"], again["secret"]]
    assert len(set(secrets)) == 3
    deliver(rules, task_event(EventType.TASK_DUE, "user-1", PILOT))
    assert sender().run_once().statuses == {"delivered": 1}
    [request] = receiver.requests
    assert len(signatures(request)) == 3
    for secret in secrets:
        Webhook(secret).verify(request.body, request.headers)

    # Secrets whose grace is over are erased at the next rotation.
    with engines["notifications"].begin() as connection:
        connection.execute(
            sa.text(
                "UPDATE webhook_secret SET expires_at = now() - interval '1 second' "
                "WHERE expires_at IS NOT NULL"
            )
        )
    rotate(client, endpoint["id"], integration(settings))
    with engines["notifications"].connect() as connection:
        kept = connection.execute(
            sa.text("SELECT expires_at IS NULL AS current FROM webhook_secret ORDER BY id")
        ).scalars()
        assert list(kept) == [False, True]  # the one just replaced, and the new one

    # The grace period is a setting.
    fresh = register(client, settings, receiver.url)
    shorter = create_app(
        dataclasses.replace(loopback_allowed(settings), webhook_secret_grace_hours=2)
    )
    try:
        before = datetime.now(UTC)
        rotated = rotate(shorter.test_client(), fresh["id"], integration(settings))
        until = datetime.fromisoformat(rotated["previous_secret_expires_at"])
        assert before + timedelta(hours=2) - timedelta(minutes=1) < until
        assert until < datetime.now(UTC) + timedelta(hours=2)
    finally:
        shorter.extensions["turvaverkko"].engine.dispose()


def test_an_endpoint_changes_under_if_match_and_its_pending_deliveries_go_to_the_new_url(
    client: FlaskClient,
    settings: Settings,
    rules: Consumer,
    sender: Callable[..., Sender],
    receiver: WebhookReceiver,
) -> None:
    endpoint = register(client, settings, receiver.url)  # task.due and task.overdue
    deliver(
        rules,
        task_event(EventType.TASK_DUE, "user-1", PILOT),
        task_event(EventType.TASK_OVERDUE, "user-1", PILOT),
    )
    path = f"/v1/webhooks/{endpoint['id']}"
    read = client.get(path, headers=integration(settings))
    assert read.headers["ETag"] == '"1"' and read.get_json()["version"] == 1
    with WebhookReceiver() as moved:
        change = {"url": moved.url, "event_types": ["task.overdue"], "description": "Pirha"}
        assert_problem(client.patch(path, json=change, headers=integration(settings)), 428)
        stale = integration(settings) | {"If-Match": '"7"'}
        assert_problem(client.patch(path, json=change, headers=stale), 412)
        current = integration(settings) | {"If-Match": read.headers["ETag"]}
        changed = client.patch(path, json=change, headers=current)
        assert changed.status_code == 200, changed.get_json()
        assert changed.headers["ETag"] == '"2"'
        body = changed.get_json()
        assert (body["url"], body["event_types"], body["description"]) == (
            moved.url,
            ["task.overdue"],
            "Pirha",
        )
        assert "secret" not in body
        # A second change made from the same reading loses.
        assert_problem(client.patch(path, json={"description": "x"}, headers=current), 412)
        assert client.get(path, headers=integration(settings)).get_json() == body

        assert sender().run_once().statuses == {"delivered": 1}
        assert receiver.requests == []
        [request] = moved.requests
        assert json.loads(request.body)["type"] == "task.overdue"
        Webhook(endpoint["secret"]).verify(request.body, request.headers)  # the secret stays

    logged = client.get("/v1/deliveries", headers=bearer(settings, "admin")).get_json()["items"]
    assert sorted((d["event_type"], d["status"]) for d in logged) == [
        ("task.due", "cancelled"),  # no longer chosen
        ("task.overdue", "delivered"),
    ]
    admin = bearer(settings, "admin") | {"If-Match": '"2"'}
    by_admin = client.patch(path, json={"event_types": ["task.due", "task.due"]}, headers=admin)
    assert by_admin.status_code == 200 and by_admin.get_json()["event_types"] == ["task.due"]


def test_a_bad_change_is_a_problem_naming_each_field_that_never_echoes_a_secret(
    client: FlaskClient, settings: Settings
) -> None:
    endpoint = register(client, settings, "http://127.0.0.1:8099/hook")
    secret = endpoint["secret"]
    path = f"/v1/webhooks/{endpoint['id']}"
    headers = integration(settings) | {"If-Match": '"1"'}

    bad = assert_problem(
        client.patch(
            path,
            json={
                "url": "gopher://x",
                "event_types": [],
                "organisation": "org-other",
                "secret": secret,
            },
            headers=headers,
        ),
        422,
    )
    assert {e["pointer"] for e in bad["errors"]} == {
        "#/url",
        "#/event_types",
        "#/organisation",
        "#/secret",
    }
    in_url = quote(secret, safe="")
    bad = assert_problem(
        client.patch(path, json={"url": f"http://hook:{in_url}@127.0.0.1/in"}, headers=headers),
        422,
    )
    assert [e["pointer"] for e in bad["errors"]] == ["#/url"]
    assert "Credentials" in bad["errors"][0]["detail"]
    assert in_url not in json.dumps(bad)
    answers = [json.dumps(bad)]
    for url, why in (
        ("http://10.0.0.1/hook", "a private address"),
        ("http://169.254.169.254/latest/meta-data/", "a link-local address"),
        ("http://[::1]:8099/hook", "a loopback address"),
    ):
        refused = assert_problem(client.patch(path, json={"url": url}, headers=headers), 422)
        [error] = refused["errors"]
        assert error["pointer"] == "#/url" and why in error["detail"]
    empty = assert_problem(client.patch(path, json={}, headers=headers), 422)
    assert [e["pointer"] for e in empty["errors"]] == ["#"]
    answers += [json.dumps(bad), json.dumps(empty)]
    assert shows_none("\n".join(answers), [secret])

    other = integration(settings, "org-other") | {"If-Match": '"1"'}
    assert_problem(client.patch(path, json={"description": "x"}, headers=other), 404)
    assert_problem(
        client.patch(
            path,
            json={"description": "x"},
            headers=bearer(settings, "coordinator") | {"If-Match": '"1"'},
        ),
        403,
    )
    unchanged = client.get(path, headers=integration(settings))
    assert unchanged.headers["ETag"] == '"1"'
    assert unchanged.get_json()["url"] == "http://127.0.0.1:8099/hook"


def test_a_sealed_secret_copied_onto_another_endpoint_does_not_sign_for_it(
    client: FlaskClient,
    settings: Settings,
    engines: dict[str, Engine],
    rules: Consumer,
    sender: Callable[..., Sender],
    receiver: WebhookReceiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    target = register(client, settings, receiver.url)
    body = {"organisation": "org-other", "url": receiver.url, "event_types": ["import.failed"]}
    r = client.post("/v1/webhooks", json=body, headers=bearer(settings, "admin"))
    assert r.status_code == 201
    other = r.get_json()
    with engines["notifications"].begin() as connection:
        connection.execute(
            sa.text(
                "UPDATE webhook_secret t SET key_id = o.key_id, nonce = o.nonce, "
                "ciphertext = o.ciphertext FROM webhook_secret o "
                "WHERE t.endpoint_id = :target AND o.endpoint_id = :other"
            ),
            {"target": target["id"], "other": other["id"]},
        )
    deliver(rules, task_event(EventType.TASK_DUE, "user-1", PILOT))
    assert sender().run_once().statuses == {"pending": 1}  # retried: a key may yet be configured
    assert receiver.requests == []
    [attempt] = attempts(engines["notifications"])
    assert (attempt.outcome, attempt.error) == ("retry", "SecretUnreadable")
    assert "signing secret cannot be read" in caplog.text
    assert shows_none(caplog.text, [target["secret"], other["secret"]])


def test_the_migration_seals_existing_secrets_with_the_current_key_of_the_environment(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = dataclasses.replace(settings, database_prefix=f"{settings.database_prefix}mig_")
    migrations.upgrade("notifications", scratch, "0002")
    engine = sa.create_engine(scratch.database_url("notifications"), poolclass=sa.pool.NullPool)
    try:
        live, withdrawn = new_secret(), new_secret()
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO webhook_endpoint (id, organisation, url, event_types, secret, "
                    "created_by, deleted_at) VALUES "
                    "('live', 'org-pirha', 'https://example.org/in', '{task.due}', :live, 'a', "
                    "NULL), ('withdrawn', 'org-pirha', 'https://example.org/x', '{task.due}', "
                    ":withdrawn, 'a', now())"
                ),
                {"live": live, "withdrawn": withdrawn},
            )
        key = base64.b64encode(os.urandom(32)).decode()
        monkeypatch.setenv(
            "TURVAVERKKO_WEBHOOK_SECRET_KEYS", f"{settings.webhook_secret_keys},m1:{key}"
        )
        monkeypatch.setenv("TURVAVERKKO_WEBHOOK_SECRET_KEY_ID", "m1")
        migrations.upgrade("notifications", scratch)

        assert shows_none(database_text(engine), [live, withdrawn])
        with engine.connect() as connection:
            [sealed] = connection.execute(
                sa.text("SELECT endpoint_id, key_id, nonce, ciphertext FROM webhook_secret")
            ).all()
            version = connection.execute(
                sa.text("SELECT version FROM webhook_endpoint WHERE id = 'live'")
            ).scalar_one()
        assert (sealed.endpoint_id, sealed.key_id, version) == ("live", "m1", 1)
        signing = SigningSecrets.from_setting(f"m1:{key}", "m1")
        opened = signing.open(
            "live", SealedSecret("m1", bytes(sealed.nonce), bytes(sealed.ciphertext))
        )
        assert opened == live

        # Downgrading writes the current secret back where it was.
        command.downgrade(migrations.alembic_config("notifications", scratch), "0002")
        with engine.connect() as connection:
            back = dict(
                connection.execute(sa.text("SELECT id, secret FROM webhook_endpoint")).all()
            )
        assert back["live"] == live
        assert back["withdrawn"].startswith("whsec_") and back["withdrawn"] != withdrawn
    finally:
        engine.dispose()
        migrations.drop_database("notifications", scratch)


# --- TLS per host name, and a deadline per request --------------------------------------------


def test_a_tls_connection_verified_for_one_host_name_never_carries_a_request_to_another(
    client: FlaskClient,
    settings: Settings,
    engines: dict[str, Engine],
    rules: Consumer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two names at one address, and a receiver whose certificate names only ``a.test``: a
    request to ``b.test`` is refused by the certificate check — also right after a request to
    ``a.test``, whose connection (to the same address and port) must not be used again."""
    certificate = certificate_for(tmp_path, "a.test")
    trusting = ssl.create_default_context(cafile=str(certificate.cert))

    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        assert host in ("a.test", "b.test")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr("services.notifications.adapters.webhooks.getaddrinfo", getaddrinfo)
    allowed = loopback_allowed(settings)
    secret = new_secret()
    with HookReceiver(certificate=certificate) as receiver:
        a, b = receiver.url("a.test"), receiver.url("b.test")
        # Through the sender: signed, over TLS, to the name's certificate.
        endpoint = register(client, settings, a)
        deliver(rules, task_event(EventType.TASK_DUE, "user-1", PILOT))
        sending = Sender(allowed, engines["notifications"], webhooks=WebhookClient(allowed))
        try:
            assert sending.run_once().statuses == {"pending": 1}  # the CA is not the system's
        finally:
            sending.close()
        trusted = WebhookClient(allowed, verify=trusting)
        sending = Sender(allowed, engines["notifications"], webhooks=trusted)
        try:
            later = datetime.now(UTC) + timedelta(hours=1)
            assert sending.run_once(later).statuses == {"delivered": 1}
        finally:
            sending.close()
        [request] = receiver.requests
        assert request.headers["host"] == f"a.test:{receiver.port}"
        Webhook(endpoint["secret"]).verify(request.body, request.headers)

        fresh = WebhookClient(allowed, verify=trusting)
        try:
            assert fresh.send(b, [secret], "msg_b1", "{}") == Sent("retry", None, "ConnectError")
        finally:
            fresh.close()
        used = WebhookClient(allowed, verify=trusting)
        try:
            assert used.send(a, [secret], "msg_a1", "{}").outcome == "delivered"
            assert used.send(b, [secret], "msg_b2", "{}") == Sent("retry", None, "ConnectError")
            assert used.send(a, [secret], "msg_a2", "{}").outcome == "delivered"
        finally:
            used.close()
    assert [r.headers["webhook-id"] for r in receiver.requests][1:] == ["msg_a1", "msg_a2"]


def test_a_receiver_that_trickles_its_answer_is_cut_off_at_the_timeout_and_holds_back_no_other(
    client: FlaskClient,
    settings: Settings,
    engines: dict[str, Engine],
    rules: Consumer,
    sender: Callable[..., Sender],
) -> None:
    """A byte every 0.2 s never lets a read time out; the request as a whole ends at the 1 s
    timeout, is logged as a timeout and retried, and the other receiver of the same pass got its
    webhook, recorded, while the slow one was still being waited for."""
    with TricklingReceiver(interval=0.2) as slow, WebhookReceiver() as fast:
        register(client, settings, slow.url)
        register(client, settings, fast.url)
        deliver(rules, task_event(EventType.TASK_DUE, "user-1", PILOT))
        sending = sender(dataclasses.replace(loopback_allowed(settings), webhook_timeout=1.0))
        began = time.monotonic()
        done = sending.run_once()
        took = time.monotonic() - began
        assert len(slow.requests) == 1 and len(fast.requests) == 1

    assert done.statuses == {"delivered": 1, "pending": 1}
    assert took < 3.0  # about the timeout; the whole answer would take half a minute
    with engines["notifications"].connect() as connection:
        rows = {
            r.url: r
            for r in connection.execute(
                sa.text(
                    "SELECT e.url, d.status, d.next_attempt_at, d.last_error, d.updated_at, "
                    "a.started_at, a.duration_ms, a.outcome, a.error FROM delivery d "
                    "JOIN webhook_endpoint e ON e.id = d.endpoint_id "
                    "JOIN delivery_attempt a ON a.delivery_id = d.id"
                )
            )
        }
    cut = rows[slow.url]
    assert (cut.status, cut.outcome, cut.error, cut.last_error) == (
        "pending",
        "retry",
        "Timeout",
        "Timeout",
    )
    assert 900 <= cut.duration_ms < 2500
    assert cut.next_attempt_at >= cut.started_at + timedelta(milliseconds=cut.duration_ms)
    quick = rows[fast.url]
    assert (quick.status, quick.outcome) == ("delivered", "delivered")
    # Recorded as soon as it was made: before the slow one had even been cut off.
    assert quick.updated_at < cut.started_at + timedelta(milliseconds=cut.duration_ms)


def test_the_answers_body_is_never_read(
    client: FlaskClient,
    settings: Settings,
    engines: dict[str, Engine],
    rules: Consumer,
    sender: Callable[..., Sender],
) -> None:
    """A receiver that answers 200 at once and then trickles its body: delivered at once."""
    with TricklingReceiver(interval=0.2, body=True) as slow:
        register(client, settings, slow.url)
        deliver(rules, task_event(EventType.TASK_DUE, "user-1", PILOT))
        sending = sender(dataclasses.replace(loopback_allowed(settings), webhook_timeout=5.0))
        assert sending.run_once().statuses == {"delivered": 1}
    [attempt] = attempts(engines["notifications"])
    assert (attempt.outcome, attempt.status_code) == ("delivered", 200)
    with engines["notifications"].connect() as connection:
        duration = connection.execute(sa.text("SELECT duration_ms FROM delivery_attempt")).scalar()
    assert duration < 1000  # the body would take 13 s


def test_no_cookie_set_by_one_receiver_goes_to_the_next_request(settings: Settings) -> None:
    """Receivers at one address may be different organisations' systems: a cookie one sets is
    never sent back, to it or to another."""
    client = WebhookClient(loopback_allowed(settings))
    secret = "whsec_" + base64.b64encode(b"k" * 32).decode()
    try:
        with WebhookReceiver(set_cookie="session=from-receiver-a; Path=/") as receiver:
            for n in range(2):
                sent = client.send(receiver.url, [secret], f"msg_cookie_{n}", '{"n":1}')
                assert sent.outcome == "delivered"
        assert [r.headers.get("cookie") for r in receiver.requests] == [None, None]
    finally:
        client.close()
