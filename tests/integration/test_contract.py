"""Schemathesis against each service's own OpenAPI document, as an admin and as a pilot worker:
every operation gets valid and invalid requests — generated, and aimed at objects that exist — and
no answer may be a server error, nor differ from what the document says of its status (the schema
of its body, its media type).

Deterministic and bounded: Hypothesis is derandomized (the same requests every run), each
operation gets ``EXAMPLES`` requests per mode and path set, nothing is remembered between runs, and
failures are not shrunk (each is reported with the request that found it). Webhook URLs are
resolved by a stand-in: the run never asks a name server.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import socket
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pika
import pytest
import schemathesis
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from schemathesis.checks import not_a_server_error
from schemathesis.pytest.lazy import get_all_tests
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)
from sqlalchemy.engine import Engine

from services.intake.app import create_app as create_intake
from services.intake.consumers.case_map import CASE_MAP
from services.notifications.adapters import webhooks as webhook_adapter
from services.notifications.app import create_app as create_notifications
from services.notifications.consumers import RULES_CONSUMER
from services.notifications.consumers.dead_letters import DeadLetterWatcher
from services.pilots.app import create_app as create_pilots
from services.pilots.consumers import CASE_EVENTS
from shared.config import Settings
from shared.db import UnitOfWork, make_session_factory
from shared.messaging import topology
from shared.messaging.consumer import Consumer
from shared.messaging.envelope import CONTENT_TYPE, Envelope
from shared.messaging.events import EventType
from shared.messaging.topology import QueueSpec
from tests.support.api import bearer
from tests.support.consume import Properties, deliver
from tests.support.intake_data import referral
from tests.support.notifications import loopback_allowed, pilot_published, task_event

pytestmark = pytest.mark.integration

#: Generated requests per operation (the coverage phase adds its own, a fixed set).
EXAMPLES = 12
SEED = 11
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
ROLES = ("admin", "pilot_worker")

PILOT = "pilot-a"  # intake's seeded reference data names it too
WORKER = "worker-contract"
ORGANISATION = "org-contract"


def _headers(settings: Settings, role: str) -> dict[str, str]:
    subject = WORKER if role != "admin" else "admin-contract"
    return bearer(settings, role, subject=subject, pilots=[PILOT], organisation=ORGANISATION)


def _config(headers: dict[str, str], known: dict[str, str]) -> schemathesis.Config:
    """Every phase but the stateful one, both modes (valid and invalid requests), NUL bytes
    included; path parameters half the time a seeded object's."""
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "headers": headers,
            "generation": {
                "mode": "all",
                "max-examples": EXAMPLES,
                "deterministic": True,
                "no-shrink": True,
                "database": "none",
                "allow-x00": True,
                "with-security-parameters": False,
            },
            "phases": {"stateful": {"enabled": False}},
            "dictionaries": {name: {"values": [value]} for name, value in known.items()},
            "parameters": {
                f"path.{name}": {"dictionary": name, "probability": 0.5} for name in known
            },
        }
    )


def schemathesis_failures(
    app: Flask, headers: dict[str, str], known: dict[str, str], stats: Counter[str]
) -> Iterator[str]:
    """Each operation of the app's document that failed a check, with the request that did."""
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app, config=_config(headers, known))
    client = app.test_client()

    def call(case: schemathesis.Case) -> None:
        if case.method.upper() in ("PATCH", "PUT"):
            # The current version of what is being changed, so that changes get past If-Match.
            current = client.get(case.formatted_path, headers=headers).headers.get("ETag")
            if current:
                case.headers = {**(case.headers or {}), "If-Match": current}
        response = case.call()
        stats[str(response.status_code)] += 1
        if response.status_code == 429:
            print(case.method, case.formatted_path, response.text[:300], response.headers)
        case.validate_response(response, checks=CHECKS)

    for result in get_all_tests(schema=schema, test_func=call, settings=None, given_kwargs={}):
        operation, test = result.ok()
        try:
            test()
        except (
            Exception,
            BaseExceptionGroup,
        ) as exc:  # the failed checks, with the request that made them
            yield f"{operation.label}:\n{exc}"


def _check(app: Flask, headers: dict[str, str], known: dict[str, str]) -> None:
    stats: Counter[str] = Counter()
    failures = list(schemathesis_failures(app, headers, known, stats))
    assert not failures, f"{len(failures)} failing operation(s):\n\n" + "\n\n".join(failures)
    assert stats["200"] and sum(stats.values()) > 500, stats  # it did reach real objects


APPS: dict[str, Callable[[Settings], Flask]] = {
    "intake": create_intake,
    "pilots": create_pilots,
    "notifications": create_notifications,
}


@pytest.fixture
def app(
    request: pytest.FixtureRequest, settings: Settings, engines: dict[str, Engine]
) -> Iterator[Flask]:
    """The service's app on the clean database its usual fixture prepares (``<service>_app``),
    without the rate limit: a run makes thousands of requests a minute as one user. The events
    its changes wrote are not left for a later test's relay to publish."""
    service: str = request.param
    request.getfixturevalue(f"{service}_app")
    unlimited = dataclasses.replace(loopback_allowed(settings), rate_limit="1000000 per minute")
    built = APPS[service](unlimited)
    yield built
    built.extensions["turvaverkko"].engine.dispose()
    with engines[service].begin() as connection:
        connection.execute(sa.text("TRUNCATE outbox"))


@pytest.fixture
def no_name_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """Webhook hosts resolve only when they are addresses: no query leaves the machine."""
    real = socket.getaddrinfo

    def resolve(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(webhook_adapter, "getaddrinfo", resolve)


# --- intake -----------------------------------------------------------------------------------


def _seed_intake(client: FlaskClient, settings: Settings, engine: Engine) -> dict[str, str]:
    admin = bearer(settings, "admin")
    event = client.post("/v1/referrals", json=referral(1), headers=admin)
    assert event.status_code == 201, event.get_json()
    job = client.post("/v1/imports?kind=referral", data=b"", content_type="text/csv", headers=admin)
    assert job.status_code == 202, job.get_json()
    # A case in intake's case map, and a register of a session of one of the pilot's activities.
    sessions = make_session_factory(engine)
    case_id = str(uuid.uuid4())
    opened = {
        "case_id": case_id,
        "case_code": "CONT-RACT",
        "pilot_id": PILOT,
        "key_id": "dev",
        "pseudonym": "c" * 64,
        "opened_at": "2026-10-01T09:00:00+03:00",
    }
    deliver(
        Consumer(settings, CASE_MAP, lambda: UnitOfWork(sessions)),
        Envelope.new(EventType.CASE_OPENED, "/turvaverkko/pilots", opened),
    )
    activity, start = "pilot-a-act-0", "2026-10-01T13:00:00Z"
    register = {
        "starts_at": start,
        "duration_minutes": 60,
        "attendance": [{"case_id": case_id, "attendance": "attended"}],
    }
    r = client.post(f"/v1/activities/{activity}/sessions", json=register, headers=admin)
    assert r.status_code == 200, r.get_json()
    return {
        "event_id": event.get_json()["event_id"],
        "job_id": job.get_json()["id"],
        "activity_id": activity,
        "starts_at": start,
    }


@pytest.mark.parametrize("app", ["intake"], indirect=True)
@pytest.mark.parametrize("role", ROLES)
def test_intake_answers_every_request_of_its_document_as_the_document_says(
    app: Flask, settings: Settings, role: str
) -> None:
    known = _seed_intake(app.test_client(), settings, app.extensions["turvaverkko"].engine)
    _check(app, _headers(settings, role), known)


# --- pilots -----------------------------------------------------------------------------------


def _seed_pilots(client: FlaskClient, settings: Settings, engine: Engine) -> dict[str, str]:
    admin = bearer(settings, "admin")

    def made(path: str, body: dict[str, Any]) -> dict[str, Any]:
        r = client.post(path, json=body, headers=admin)
        assert r.status_code == 201, r.get_json()
        return r.get_json()

    made("/v1/organisations", {"id": ORGANISATION, "name": "Org", "type": "ngo"})
    made(
        "/v1/pilots",
        {
            "id": PILOT,
            "name_fi": "Pilotti",
            "lead_organisation_id": ORGANISATION,
            "regions": ["08"],
            "theme": "Osallisuus",
            "target_group": "Nuoret",
            "starts_on": "2026-01-01",
            "members": [{"subject": WORKER, "role": "worker"}],
        },
    )
    activity = made(
        "/v1/activities",
        {
            "pilot_id": PILOT,
            "name": "Kiipeily",
            "activity_type": "sports",
            "schedule": "one_off",
            "starts_at": "2026-09-01T16:00:00+03:00",
            "place_type": "youth_centre",
            "workers": [WORKER],
        },
    )
    made("/v1/instruments", {"code": "YP-CORE", "name": "YP-CORE", "min_value": 0, "max_value": 40})
    consumer = Consumer(settings, CASE_EVENTS, lambda: UnitOfWork(make_session_factory(engine)))
    pseudonym = uuid.uuid4().hex
    deliver(
        consumer,
        Envelope.new(
            EventType.REFERRAL_RECEIVED,
            "/turvaverkko/intake",
            {
                "pilot_id": PILOT,
                "key_id": "dev",
                "pseudonym": pseudonym,
                "gender": "female",
                "home_region": "08",
                "age_band": "13-15",
                "referred_on": "2026-09-01",
                "referring_organisation_type": "child_welfare",
                "reason": "family_situation",
            },
        ),
    )
    with engine.connect() as connection:
        case_id = connection.execute(
            sa.text("SELECT id FROM pilot_case WHERE pseudonym = :p"), {"p": pseudonym}
        ).scalar_one()
    due = (date.today() + timedelta(days=7)).isoformat()
    task = made(f"/v1/cases/{case_id}/tasks", {"title": "Soita", "due_on": due, "assignee": WORKER})
    return {
        "organisation_id": ORGANISATION,
        "pilot_id": PILOT,
        "activity_id": activity["id"],
        "code": "YP-CORE",
        "case_id": case_id,
        "task_id": task["id"],
        "table_name": "participants-by-region-gender",
    }


@pytest.mark.parametrize("app", ["pilots"], indirect=True)
@pytest.mark.parametrize("role", ROLES)
def test_pilots_answers_every_request_of_its_document_as_the_document_says(
    app: Flask, settings: Settings, engines: dict[str, Engine], role: str
) -> None:
    known = _seed_pilots(app.test_client(), settings, engines["pilots"])
    _check(app, _headers(settings, role), known)


# --- notifications ----------------------------------------------------------------------------


def _seed_notifications(client: FlaskClient, settings: Settings, engine: Engine) -> dict[str, str]:
    admin = bearer(settings, "admin")
    r = client.put(
        f"/v1/recipients/{WORKER}",
        json={"role": "pilot_worker", "email": "worker@example.org", "organisation": ORGANISATION},
        headers=admin,
    )
    assert r.status_code == 201, r.get_json()
    r = client.put(
        f"/v1/organisations/{ORGANISATION}/contact",
        json={"email": "org@example.org"},
        headers=admin,
    )
    assert r.status_code == 201, r.get_json()
    r = client.post(
        "/v1/webhooks",
        json={
            "organisation": ORGANISATION,
            "url": "http://127.0.0.1:9/hook",
            "event_types": [EventType.REFERRAL_RECEIVED],
        },
        headers=admin,
    )
    assert r.status_code == 201, r.get_json()
    endpoint_id = r.get_json()["id"]
    consumer = Consumer(settings, RULES_CONSUMER, lambda: UnitOfWork(make_session_factory(engine)))
    deliver(consumer, pilot_published(PILOT, {WORKER: "worker"}))
    deliver(consumer, task_event(EventType.TASK_OVERDUE, WORKER, PILOT))
    dead_letter_id = _dead_letter(settings, engine)
    with engine.connect() as connection:
        item_id = connection.execute(sa.text("SELECT max(id) FROM notification")).scalar_one()
        delivery_id = connection.execute(sa.text("SELECT max(id) FROM delivery")).scalar_one()
    assert item_id is not None and delivery_id is not None
    return {
        "dead_letter_id": dead_letter_id,
        "subject": WORKER,
        "organisation": ORGANISATION,
        "endpoint_id": endpoint_id,
        "item_id": str(item_id),
        "delivery_id": str(delivery_id),
        "event_type": EventType.TASK_OVERDUE,
    }


def _dead_letter(settings: Settings, engine: Engine) -> str:
    """A message in a consumer's dead-letter queue, recorded by the watcher: its dead letter's id
    (the first replay or discard of it moves it; the others are refused)."""
    queue = QueueSpec("notifications", f"contract-{uuid.uuid4().hex[:8]}", ())
    topology.declare(settings, [queue])
    body = Envelope.new(EventType.PLATFORM_PROBE, "/turvaverkko/tests", {}).to_json_bytes()
    headers = {"x-death": [{"queue": queue.name, "reason": "rejected", "count": 1}]}
    connection = pika.BlockingConnection(topology.connection_parameters(settings))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        properties = pika.BasicProperties(content_type=CONTENT_TYPE, headers=headers)
        channel.basic_publish("", queue.dead_letter_queue, body, properties)
    finally:
        connection.close()
    watcher = DeadLetterWatcher(
        settings, lambda: UnitOfWork(make_session_factory(engine)), [queue.name]
    )
    watcher.handle(body, Properties(CONTENT_TYPE, headers))
    with engine.connect() as connection:
        return str(connection.execute(sa.text("SELECT max(id) FROM dead_letter")).scalar_one())


@pytest.mark.parametrize("app", ["notifications"], indirect=True)
@pytest.mark.parametrize("role", ROLES)
def test_notifications_answers_every_request_of_its_document_as_the_document_says(
    app: Flask, settings: Settings, engines: dict[str, Engine], no_name_server: None, role: str
) -> None:
    known = _seed_notifications(app.test_client(), settings, engines["notifications"])
    _check(app, _headers(settings, role), known)
