"""The authorisation matrix: every operation of the three OpenAPI documents, called by every kind
of caller, answers as ONE table says — and no bad token gets into any of them.

The operations are read from each app's own ``/openapi.json``: an operation without a row in
``EXPECTED`` fails, and so does a row that names no operation, so a new endpoint cannot arrive
without someone deciding who may call it. Every call has a real path — the ids of objects seeded
for the "own" side (pilot-a, org-a, the user worker-a) — and a valid body, so that a 404 or 403
means authorisation, not a missing object, and a 2xx/4xx split is not validation. The callers are
in ``tests.support.authorization``: "other" pilot and organisation callers must never see or
change the own side's data (404 as if it did not exist, or 403, as each service's convention in
the README has it), and lists they may read must not show it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pika
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from werkzeug.test import TestResponse

from services.intake.app import create_app as create_intake_app
from services.intake.consumers.case_map import CASE_MAP
from services.intake.domain.hetu import parse_identity_code
from services.intake.domain.pseudonym import Pseudonymiser
from services.notifications.app import create_app as create_notifications_app
from services.notifications.consumers import RULES_CONSUMER
from services.notifications.consumers.dead_letters import DeadLetterWatcher
from services.pilots.app import create_app as create_pilots_app
from services.pilots.consumers import CASE_EVENTS
from services.pilots.domain.aggregates import TABLES
from shared.config import Settings
from shared.db import UnitOfWork, make_session_factory
from shared.http import PROBLEM_JSON
from shared.messaging import topology
from shared.messaging.consumer import Consumer
from shared.messaging.envelope import CONTENT_TYPE, Envelope
from shared.messaging.events import EventType
from shared.messaging.topology import QueueSpec
from tests.integration.conftest import INTAKE_TABLES, PILOTS_TABLES
from tests.support.authorization import (
    CALLERS,
    OTHER_ORG,
    OTHER_PILOT,
    OWN_ORG,
    OWN_PILOT,
    bad_authorizations,
)
from tests.support.consume import Properties, deliver
from tests.support.intake_data import (
    hetu,
    outcome,
    participation,
    referral,
    seed_reference_data,
)
from tests.support.notifications import (
    empty_notifications,
    loopback_allowed,
    pilot_published,
    task_event,
)

pytestmark = pytest.mark.integration

Op = tuple[str, str, str]  # service, method, path as the OpenAPI document writes it

#: The queue whose dead letters the matrix replays and discards.
DEAD_LETTER_QUEUE = QueueSpec("notifications", "matrix-dead-letters", ())

COLUMNS = tuple(CALLERS)

# fmt: off
#: THE table: the status each caller gets from each operation, in the order of ``COLUMNS``:
#:
#:   admin  coordinator  lead_own  lead_other  worker_own  worker_other  integration_own  integration_other
#:
#: "own" callers belong to the pilot (pilot-a) or organisation (org-a) of the objects the path
#: names; "other" ones to pilot-b / org-b. Conventions (README): intake refuses an item for a
#: pilot not the caller's with 422 naming #/pilot_id and hides another pilot's event or another
#: organisation's import (404); the pilots service hides another pilot's case (404) and forbids
#: changing another pilot's reference data (403); the inbox is the caller's own (anyone else's
#: item is 404, admins' included); another organisation's webhook is 404, its contact 403.
EXPECTED: dict[Op, str] = {
    # --- intake ---------------------------------------------------------------------------------
    ("intake", "POST", "/v1/referrals"):                           "201 403 201 422 201 422 201 422",
    ("intake", "POST", "/v1/participations"):                      "201 403 201 422 201 422 201 422",
    ("intake", "POST", "/v1/outcomes"):                            "201 403 201 422 201 422 201 422",
    ("intake", "GET", "/v1/events/{event_id}"):                    "200 403 200 404 200 404 200 404",
    ("intake", "POST", "/v1/imports"):                             "202 403 202 202 403 403 202 202",
    ("intake", "GET", "/v1/imports/{job_id}"):                     "200 403 200 404 403 403 200 404",
    ("intake", "GET", "/v1/imports/{job_id}/errors"):              "200 403 200 404 403 403 200 404",
    ("intake", "GET", "/v1/imports/{job_id}/results"):             "200 403 200 404 403 403 200 404",
    ("intake", "POST", "/v1/access-report"):                       "200 403 403 403 403 403 403 403",
    ("intake", "POST", "/v1/case-lookups"):                        "200 403 200 404 200 404 403 403",
    ("intake", "POST", "/v1/activities/{activity_id}/sessions"):   "200 403 200 403 200 403 403 403",
    ("intake", "GET", "/v1/activities/{activity_id}/sessions/{starts_at}"): "200 403 200 403 200 403 403 403",
    # --- pilots: reference data -------------------------------------------------------------------
    ("pilots", "GET", "/v1/regions"):                              "200 200 200 200 200 200 200 200",
    ("pilots", "GET", "/v1/organisations"):                        "200 200 200 200 200 200 200 200",
    ("pilots", "POST", "/v1/organisations"):                       "201 403 403 403 403 403 403 403",
    ("pilots", "GET", "/v1/organisations/{organisation_id}"):      "200 200 200 200 200 200 200 200",
    ("pilots", "PATCH", "/v1/organisations/{organisation_id}"):    "200 403 403 403 403 403 403 403",
    ("pilots", "GET", "/v1/instruments"):                          "200 200 200 200 200 200 200 200",
    ("pilots", "POST", "/v1/instruments"):                         "201 403 403 403 403 403 403 403",
    ("pilots", "GET", "/v1/instruments/{code}"):                   "200 200 200 200 200 200 200 200",
    ("pilots", "PATCH", "/v1/instruments/{code}"):                 "200 403 403 403 403 403 403 403",
    ("pilots", "GET", "/v1/pilots"):                               "200 200 200 200 200 200 200 200",
    ("pilots", "POST", "/v1/pilots"):                              "201 403 403 403 403 403 403 403",
    ("pilots", "GET", "/v1/pilots/{pilot_id}"):                    "200 200 200 200 200 200 200 200",
    ("pilots", "PATCH", "/v1/pilots/{pilot_id}"):                  "200 403 200 403 403 403 403 403",
    ("pilots", "GET", "/v1/pilots/{pilot_id}/lifecycle"):          "200 200 200 200 200 200 200 200",
    ("pilots", "POST", "/v1/pilots/{pilot_id}/lifecycle/changes"): "201 403 201 403 403 403 403 403",
    ("pilots", "POST", "/v1/pilots/{pilot_id}/evidence"):          "201 403 201 403 403 403 403 403",
    ("pilots", "GET", "/v1/activities"):                           "200 200 200 200 200 200 200 200",
    ("pilots", "POST", "/v1/activities"):                          "201 403 201 403 403 403 403 403",
    ("pilots", "GET", "/v1/activities/{activity_id}"):             "200 200 200 200 200 200 200 200",
    ("pilots", "PATCH", "/v1/activities/{activity_id}"):           "200 403 200 403 403 403 403 403",
    # --- pilots: cases (client-level) ----------------------------------------------------------
    ("pilots", "GET", "/v1/cases"):                                "200 403 200 200 200 200 403 403",
    ("pilots", "GET", "/v1/cases/{case_id}"):                      "200 403 200 404 200 404 403 403",
    ("pilots", "PATCH", "/v1/cases/{case_id}"):                    "200 403 200 404 200 404 403 403",
    ("pilots", "GET", "/v1/cases/{case_id}/transitions"):          "200 403 200 404 200 404 403 403",
    ("pilots", "POST", "/v1/cases/{case_id}/transitions"):         "201 403 201 404 201 404 403 403",
    ("pilots", "GET", "/v1/cases/{case_id}/timeline"):             "200 403 200 404 200 404 403 403",
    ("pilots", "GET", "/v1/cases/{case_id}/tasks"):                "200 403 200 404 200 404 403 403",
    ("pilots", "POST", "/v1/cases/{case_id}/tasks"):               "201 403 201 404 201 404 403 403",
    ("pilots", "GET", "/v1/cases/{case_id}/tasks/{task_id}"):      "200 403 200 404 200 404 403 403",
    ("pilots", "PATCH", "/v1/cases/{case_id}/tasks/{task_id}"):    "200 403 200 404 200 404 403 403",
    ("pilots", "POST", "/v1/cases/by-code"):                       "200 403 200 404 200 404 403 403",
    ("pilots", "GET", "/v1/tasks"):                                "200 403 200 200 200 200 403 403",
    ("pilots", "GET", "/v1/my-work"):                              "200 403 200 200 200 200 403 403",
    ("pilots", "POST", "/v1/cases/access-report"):                 "200 403 403 403 403 403 403 403",
    # --- pilots: aggregates ---------------------------------------------------------------------
    ("pilots", "GET", "/v1/aggregates/tables"):                    "200 200 200 200 403 403 403 403",
    ("pilots", "GET", "/v1/aggregates/indicators"):                "200 200 200 403 403 403 403 403",
    ("pilots", "GET", "/v1/aggregates/{table_name}"):              "200 200 200 403 403 403 403 403",
    # --- notifications: the inbox (worker-a's item) and everyone's own preferences ----------------
    ("notifications", "GET", "/v1/notifications"):                 "200 200 200 200 200 200 200 200",
    ("notifications", "GET", "/v1/notifications/unread-count"):    "200 200 200 200 200 200 200 200",
    ("notifications", "POST", "/v1/notifications/read"):           "200 200 200 200 200 200 200 200",
    ("notifications", "GET", "/v1/notifications/{item_id}"):       "404 404 404 404 200 404 404 404",
    ("notifications", "POST", "/v1/notifications/{item_id}/read"): "404 404 404 404 200 404 404 404",
    ("notifications", "GET", "/v1/notifications/preferences"):     "200 200 200 200 200 200 200 200",
    ("notifications", "PUT", "/v1/notifications/preferences"):     "200 200 200 200 200 200 200 200",
    # --- notifications: the directory, contacts, webhooks, the log, the rules -------------------
    ("notifications", "GET", "/v1/recipients"):                    "200 403 403 403 403 403 403 403",
    ("notifications", "GET", "/v1/recipients/{subject}"):          "200 403 403 403 403 403 403 403",
    ("notifications", "PUT", "/v1/recipients/{subject}"):          "201 403 403 403 403 403 403 403",
    ("notifications", "GET", "/v1/organisations/{organisation}/contact"): "200 403 403 403 403 403 200 403",
    ("notifications", "PUT", "/v1/organisations/{organisation}/contact"): "200 403 403 403 403 403 200 403",
    ("notifications", "GET", "/v1/webhooks"):                      "200 403 403 403 403 403 200 200",
    ("notifications", "POST", "/v1/webhooks"):                     "201 403 403 403 403 403 201 403",
    ("notifications", "GET", "/v1/webhooks/{endpoint_id}"):        "200 403 403 403 403 403 200 404",
    ("notifications", "PATCH", "/v1/webhooks/{endpoint_id}"):      "200 403 403 403 403 403 200 404",
    ("notifications", "DELETE", "/v1/webhooks/{endpoint_id}"):     "204 403 403 403 403 403 204 404",
    ("notifications", "POST", "/v1/webhooks/{endpoint_id}/secret"): "200 403 403 403 403 403 200 404",
    ("notifications", "GET", "/v1/deliveries"):                    "200 403 403 403 403 403 403 403",
    ("notifications", "GET", "/v1/deliveries/{delivery_id}"):      "200 403 403 403 403 403 403 403",
    ("notifications", "GET", "/v1/rules"):                         "200 403 403 403 403 403 403 403",
    ("notifications", "GET", "/v1/rules/{event_type}"):            "200 403 403 403 403 403 403 403",
    ("notifications", "PUT", "/v1/rules/{event_type}"):            "200 403 403 403 403 403 403 403",
    ("notifications", "GET", "/v1/dead-letters"):                  "200 403 403 403 403 403 403 403",
    ("notifications", "GET", "/v1/dead-letters/queues"):           "200 403 403 403 403 403 403 403",
    ("notifications", "POST", "/v1/dead-letters/replay"):          "200 403 403 403 403 403 403 403",
    ("notifications", "POST", "/v1/dead-letters/{dead_letter_id}/replay"): "200 403 403 403 403 403 403 403",
    ("notifications", "POST", "/v1/dead-letters/{dead_letter_id}/discard"): "200 403 403 403 403 403 403 403",
}
# fmt: on

#: Lists some may read but that must not show the seeded own-side object (by ``id``) to anyone
#: but these callers.
LISTED_ONLY_TO: dict[Op, tuple[str, frozenset[str]]] = {
    ("pilots", "GET", "/v1/cases"): ("case_id", frozenset({"admin", "lead_own", "worker_own"})),
    ("pilots", "GET", "/v1/tasks"): ("task_id", frozenset({"admin", "lead_own", "worker_own"})),
    ("notifications", "GET", "/v1/notifications"): ("item_id", frozenset({"worker_own"})),
    ("notifications", "GET", "/v1/webhooks"): (
        "endpoint_id",
        frozenset({"admin", "integration_own"}),
    ),
}

#: Routes outside the OpenAPI documents, with a path to try: open to anyone (health, metrics,
#: the documents themselves), or behind a token like the API (Flask's static route; no files).
UNDOCUMENTED_ROUTES: dict[tuple[str, str], tuple[str, str]] = {
    ("GET", "/health/live"): ("/health/live", "public"),
    ("GET", "/health/ready"): ("/health/ready", "public"),
    ("GET", "/health/details"): ("/health/details", "public"),
    ("GET", "/metrics"): ("/metrics", "public"),
    ("GET", "/openapi.json"): ("/openapi.json", "public"),
    ("GET", "/docs/"): ("/docs/", "public"),
    ("GET", "/docs/<path:path>"): ("/docs/index.css", "public"),
    ("GET", "/static/<path:filename>"): ("/static/nothing.css", "token"),
}

IMPORT_CSV = (
    "source_system;source_id;pilot_id;personal_identity_code;referred_on;gender;home_region;"
    "referring_organisation_type;reason\r\n"
    "apotti-test;M-1;pilot-a;{hetu};15.9.2026;nainen;08;child_welfare;family_situation\r\n"
)


def _row(op: Op) -> dict[str, int]:
    statuses = [int(s) for s in EXPECTED[op].split()]
    assert len(statuses) == len(COLUMNS), f"{op}: {len(statuses)} statuses"
    return dict(zip(COLUMNS, statuses, strict=True))


# --- the seeded world -------------------------------------------------------------------------


@dataclass
class Call:
    """One request: a path (with its query), and a JSON body or raw data, and headers."""

    path: str
    json: Any = None
    data: bytes | None = None
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class World:
    settings: Settings
    apps: dict[str, Flask]
    cases: Consumer
    watcher: DeadLetterWatcher
    ids: dict[str, str] = field(default_factory=dict)
    stored: dict[str, dict[str, Any]] = field(default_factory=dict)  # intake items, by path
    serial: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def client(self, service: str) -> FlaskClient:
        return self.apps[service].test_client()

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {CALLERS[who].token(self.settings)}"}

    def fresh(self, prefix: str) -> str:
        return f"{prefix}-{next(self.serial)}"

    def path(self, op: Op) -> str:
        return op[2].format_map(self.ids)

    def send(self, service: str, method: str, call: Call, auth: dict[str, str]) -> TestResponse:
        body: dict[str, Any] = {}
        if call.json is not None:
            body["json"] = call.json
        if call.data is not None:
            body["data"], body["content_type"] = call.data, call.content_type
        return self.client(service).open(
            call.path, method=method, headers=call.headers | auth, **body
        )

    def as_admin(self, service: str, method: str, path: str, json: Any = None) -> Any:
        r = self.send(service, method, Call(path, json=json), self.auth("admin"))
        assert r.status_code < 300, (method, path, r.status_code, r.get_json())
        return r

    def if_match(self, service: str, path: str, who: str = "admin") -> dict[str, str]:
        """The ``If-Match`` of the resource as it is now (read by ``who``)."""
        r = self.send(service, "GET", Call(path), self.auth(who))
        assert r.status_code == 200, (path, r.status_code)
        return {"If-Match": r.headers["ETag"]}

    def new_case(self) -> str:
        """A referred case in the own pilot, opened as intake's referral opens one."""
        pseudonym = self.fresh("matrix-pseudonym")
        deliver(
            self.cases,
            Envelope.new(
                EventType.REFERRAL_RECEIVED,
                "/turvaverkko/intake",
                {
                    "pilot_id": OWN_PILOT,
                    "key_id": "dev",
                    "pseudonym": pseudonym,
                    "gender": "female",
                    "home_region": "08",
                    "age_band": "13-15",
                    "referred_on": "2026-09-01",
                },
            ),
        )
        engine = self.apps["pilots"].extensions["turvaverkko"].engine
        with engine.connect() as connection:
            return connection.execute(
                sa.text("SELECT id FROM pilot_case WHERE pseudonym = :p"), {"p": pseudonym}
            ).scalar_one()

    def new_dead_letter(self) -> str:
        """A message dead-lettered from the matrix's queue: in its dead-letter queue, and
        recorded by the watcher."""
        body = Envelope.new(EventType.PLATFORM_PROBE, "/turvaverkko/tests", {}).to_json_bytes()
        headers = {"x-death": [{"queue": DEAD_LETTER_QUEUE.name, "reason": "rejected", "count": 1}]}
        connection = pika.BlockingConnection(topology.connection_parameters(self.settings))
        try:
            channel = connection.channel()
            channel.confirm_delivery()
            properties = pika.BasicProperties(content_type=CONTENT_TYPE, headers=headers)
            channel.basic_publish("", DEAD_LETTER_QUEUE.dead_letter_queue, body, properties)
        finally:
            connection.close()
        self.watcher.handle(body, Properties(CONTENT_TYPE, headers))
        engine = self.apps["notifications"].extensions["turvaverkko"].engine
        with engine.connect() as connection:
            return str(
                connection.execute(
                    sa.text("SELECT id FROM dead_letter WHERE message_key = :k"),
                    {"k": hashlib.sha256(body).hexdigest()},
                ).scalar_one()
            )

    def new_webhook(self) -> str:
        """A webhook endpoint of the own organisation."""
        body = {
            "organisation": OWN_ORG,
            "url": "http://127.0.0.1:9/hooks/matrix",
            "event_types": ["import.finished"],
        }
        return self.as_admin("notifications", "POST", "/v1/webhooks", body).get_json()["id"]


def _seed_pilots(w: World) -> None:
    for org in (OWN_ORG, OTHER_ORG):
        w.as_admin("pilots", "POST", "/v1/organisations", {"id": org, "name": org, "type": "ngo"})
    for pilot_id, org, side in ((OWN_PILOT, OWN_ORG, "a"), (OTHER_PILOT, OTHER_ORG, "b")):
        w.as_admin("pilots", "POST", "/v1/pilots", _pilot_body(pilot_id, org, side))
    w.ids["pilot_id"] = OWN_PILOT
    w.ids["organisation_id"] = OWN_ORG
    activity = w.as_admin("pilots", "POST", "/v1/activities", _activity_body())
    w.ids["activity_id"] = activity.get_json()["id"]
    instrument = {"code": "MATRIX-1", "name": "Matrix scale", "min_value": 0, "max_value": 10}
    w.ids["code"] = w.as_admin("pilots", "POST", "/v1/instruments", instrument).get_json()["code"]
    w.ids["case_id"] = w.new_case()
    task = {"title": "Call the family", "due_on": "2026-12-01", "assignee": "worker-a"}
    r = w.send(
        "pilots", "POST", Call(f"/v1/cases/{w.ids['case_id']}/tasks", task), w.auth("lead_own")
    )
    assert r.status_code == 201, r.get_json()
    w.ids["task_id"] = r.get_json()["id"]
    w.ids["table_name"] = next(iter(TABLES))


def _pilot_body(pilot_id: str, org: str, side: str) -> dict[str, Any]:
    return {
        "id": pilot_id,
        "name_fi": f"Matriisi {side}",
        "lead_organisation_id": org,
        "regions": ["08"],
        "theme": "participation",
        "target_group": "young people",
        "starts_on": "2026-01-01",
        "members": [
            {"subject": f"worker-{side}", "role": "worker"},
            {"subject": f"lead-{side}", "role": "lead"},
        ],
    }


def _activity_body(activity_id: str | None = None) -> dict[str, Any]:
    body = {
        "pilot_id": OWN_PILOT,
        "name": "Climbing",
        "activity_type": "sports",
        "schedule": "one_off",
        "starts_at": "2026-10-01T16:00:00+03:00",
        "place_type": "outdoors",
    }
    return body | ({"id": activity_id} if activity_id else {})


def _seed_intake(w: World) -> None:
    seed_reference_data(w.apps["intake"].extensions["turvaverkko"].unit_of_work)
    for path, make in (
        ("/v1/referrals", referral),
        ("/v1/participations", participation),
        ("/v1/outcomes", outcome),
    ):
        w.stored[path] = make(900)
        r = w.send("intake", "POST", Call(path, w.stored[path]), w.auth("worker_own"))
        assert r.status_code == 201, r.get_json()
        w.ids.setdefault("event_id", r.get_json()["event_id"])
    r = w.send("intake", "POST", _import_call(w), w.auth("integration_own"))
    assert r.status_code == 202, r.get_json()
    w.ids["job_id"] = r.get_json()["id"]
    _seed_case_map(w)


#: The young person of the own pilot's case in intake's case map (looked up by identity code).
CASE_MAP_HETU = hetu(950)


def _seed_case_map(w: World) -> None:
    """An open case of the own pilot in intake's case map, as pilots' case.opened leaves it."""
    settings = w.settings
    sessions = make_session_factory(w.apps["intake"].extensions["turvaverkko"].engine)
    consumer = Consumer(settings, CASE_MAP, lambda: UnitOfWork(sessions))
    pseudonymiser = Pseudonymiser.from_setting(settings.pseudonym_keys, settings.pseudonym_key_id)
    p = pseudonymiser.of_identity_code(parse_identity_code(CASE_MAP_HETU))
    w.ids["map_case_id"] = "matrix-map-case"
    deliver(
        consumer,
        Envelope.new(
            EventType.CASE_OPENED,
            "/turvaverkko/pilots",
            {
                "case_id": w.ids["map_case_id"],
                "case_code": "MATR-IX01",
                "pilot_id": OWN_PILOT,
                "key_id": p.key_id,
                "pseudonym": p.value,
                "previous_case_id": None,
                "opened_at": "2026-10-01T09:00:00+03:00",
            },
        ),
    )
    w.ids["starts_at"] = REGISTER_START
    r = w.send("intake", "POST", _register_call(w), w.auth("worker_own"))
    assert r.status_code == 200, r.get_json()


#: The intake activity (seeded reference data) of the own pilot whose session has a register.
REGISTER_ACTIVITY = "pilot-a-act-0"
REGISTER_START = "2026-10-01T13:00:00Z"


def _register_call(w: World) -> Call:
    body = {
        "starts_at": REGISTER_START,
        "duration_minutes": 60,
        "attendance": [{"case_id": w.ids["map_case_id"], "attendance": "attended"}],
    }
    return Call(f"/v1/activities/{REGISTER_ACTIVITY}/sessions", body)


def _import_call(w: World) -> Call:
    data = IMPORT_CSV.format(hetu=hetu(next(w.serial))).encode()
    return Call("/v1/imports?kind=referral", data=data, content_type="text/csv")


def _seed_notifications(w: World) -> None:
    sessions = make_session_factory(w.apps["notifications"].extensions["turvaverkko"].engine)
    rules = Consumer(w.settings, RULES_CONSUMER, lambda: UnitOfWork(sessions))
    recipient = {"role": "pilot_worker", "email": "worker-a@example.org", "organisation": OWN_ORG}
    w.as_admin("notifications", "PUT", "/v1/recipients/worker-a", recipient)
    deliver(
        rules, pilot_published(OWN_PILOT, {"worker-a": "worker", "lead-a": "lead"}, lead=OWN_ORG)
    )
    deliver(rules, task_event(EventType.TASK_DUE, "worker-a", OWN_PILOT))
    r = w.send("notifications", "GET", Call("/v1/notifications"), w.auth("worker_own"))
    [item] = r.get_json()["items"]
    w.ids["item_id"] = str(item["id"])
    [sent] = w.as_admin("notifications", "GET", "/v1/deliveries").get_json()["items"]
    w.ids["delivery_id"] = str(sent["id"])
    w.ids["subject"] = "worker-a"
    w.ids["organisation"] = OWN_ORG
    contact = {"email": "contact-a@example.org"}
    w.as_admin("notifications", "PUT", f"/v1/organisations/{OWN_ORG}/contact", contact)
    w.ids["endpoint_id"] = w.new_webhook()
    w.ids["event_type"] = "task.due"
    topology.declare(w.settings, [DEAD_LETTER_QUEUE])
    w.ids["dead_letter_id"] = w.new_dead_letter()


def _empty(engines: dict[str, Engine]) -> None:
    with engines["intake"].begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {', '.join(INTAKE_TABLES)}"))
    with engines["pilots"].begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {', '.join(PILOTS_TABLES)}"))
    empty_notifications(engines["notifications"])


@pytest.fixture(scope="module")
def world(settings: Settings, engines: dict[str, Engine]) -> Iterator[World]:
    """The three apps on emptied databases with the own and other sides seeded once."""
    # Hundreds of calls from a few subjects and one address: no rate limit in the way.
    settings = dataclasses.replace(loopback_allowed(settings), rate_limit="1000000 per minute")
    _empty(engines)
    apps = {
        "intake": create_intake_app(settings),
        "pilots": create_pilots_app(settings),
        "notifications": create_notifications_app(settings),
    }
    sessions = make_session_factory(apps["pilots"].extensions["turvaverkko"].engine)
    notes = make_session_factory(apps["notifications"].extensions["turvaverkko"].engine)
    w = World(
        settings,
        apps,
        Consumer(settings, CASE_EVENTS, lambda: UnitOfWork(sessions)),
        DeadLetterWatcher(settings, lambda: UnitOfWork(notes), [DEAD_LETTER_QUEUE.name]),
    )
    try:
        _seed_pilots(w)
        _seed_intake(w)
        _seed_notifications(w)
        yield w
    finally:
        for app in apps.values():
            app.extensions["turvaverkko"].engine.dispose()
        _empty(engines)
        connection = pika.BlockingConnection(topology.connection_parameters(settings))
        channel = connection.channel()
        for queue in (DEAD_LETTER_QUEUE.name, DEAD_LETTER_QUEUE.dead_letter_queue):
            channel.queue_delete(queue)
        connection.close()


@pytest.fixture(scope="module")
def documented(world: World) -> list[Op]:
    """Every operation of the three services' OpenAPI documents."""
    ops = []
    for service in world.apps:
        spec = world.client(service).get("/openapi.json").get_json()
        for path, item in spec["paths"].items():
            for method in item:
                if method in {"get", "put", "post", "patch", "delete"}:
                    ops.append((service, method.upper(), path))
    return sorted(ops)


# --- the calls --------------------------------------------------------------------------------

Builder = Callable[[World, Op, str], Call]


def _item(make: Callable[..., dict[str, Any]], prefix: str) -> Builder:
    """A new item of the own pilot; to a caller who does not submit for it, the item the own
    pilot already has — which must be refused like any other, not told a duplicate."""

    def build(w: World, op: Op, who: str) -> Call:
        caller = CALLERS[who]
        if caller.role != "admin" and OWN_PILOT not in caller.pilots:
            return Call(w.path(op), w.stored[op[2]])
        n = next(w.serial)
        return Call(w.path(op), make(1000 + n, source_id=f"{prefix}-matrix-{n}"))

    return build


def _query(query: str) -> Builder:
    return lambda w, op, who: Call(f"{w.path(op)}?{query}")


def _patch(body: dict[str, Any]) -> Builder:
    """A change under ``If-Match`` naming the resource's current version."""
    return lambda w, op, who: Call(w.path(op), body, headers=w.if_match(op[0], w.path(op)))


def _next_phase(w: World, op: Op, who: str) -> Call:
    lifecycle = w.as_admin("pilots", "GET", f"/v1/pilots/{OWN_PILOT}/lifecycle").get_json()
    onward = [p for p in lifecycle["allowed_next"] if p != "discontinued"] or ["discontinued"]
    return Call(w.path(op), {"to_phase": onward[0], "changed_on": "2026-10-01", "reason": "x"})


def _new_pilot(w: World, op: Op, who: str) -> Call:
    return Call(w.path(op), _pilot_body(w.fresh("matrix-pilot"), OWN_ORG, "a"))


def _transition_of_new_case(w: World, op: Op, who: str) -> Call:
    return Call(f"/v1/cases/{w.new_case()}/transitions", {"to_state": "enrolled", "reason": "x"})


def _withdraw_new_webhook(w: World, op: Op, who: str) -> Call:
    return Call(f"/v1/webhooks/{w.new_webhook()}")


def _own_preferences(w: World, op: Op, who: str) -> Call:
    headers = w.if_match("notifications", w.path(op), who)
    return Call(w.path(op), {"inbox": "immediate", "email": "immediate"}, headers=headers)


def _new_dead_letter(w: World, op: Op, who: str) -> Call:
    """For an admin, a dead letter still waiting; the seeded one for the others (refused)."""
    if who != "admin":
        return Call(w.path(op))
    return Call(op[2].format(dead_letter_id=w.new_dead_letter()))


def _new_recipient(w: World, op: Op, who: str) -> Call:
    return Call(f"/v1/recipients/{w.fresh('matrix-user')}", {"role": "pilot_worker"})


BUILDERS: dict[Op, Builder] = {
    ("intake", "POST", "/v1/referrals"): _item(referral, "R"),
    ("intake", "POST", "/v1/participations"): _item(participation, "P"),
    ("intake", "POST", "/v1/outcomes"): _item(outcome, "O"),
    ("intake", "POST", "/v1/imports"): lambda w, op, who: _import_call(w),
    ("intake", "POST", "/v1/case-lookups"): lambda w, op, who: Call(
        w.path(op), {"identity_code": CASE_MAP_HETU}
    ),
    # Intake knows the activities of its reference data (the pilots API's are not relayed here).
    ("intake", "POST", "/v1/activities/{activity_id}/sessions"): lambda w, op, who: _register_call(
        w
    ),
    ("intake", "GET", "/v1/activities/{activity_id}/sessions/{starts_at}"): lambda w, op, who: Call(
        f"/v1/activities/{REGISTER_ACTIVITY}/sessions/{REGISTER_START}"
    ),
    ("pilots", "POST", "/v1/organisations"): lambda w, op, who: Call(
        w.path(op), {"id": w.fresh("matrix-org"), "name": "Matrix", "type": "ngo"}
    ),
    ("pilots", "PATCH", "/v1/organisations/{organisation_id}"): _patch({"name": "Renamed"}),
    ("pilots", "POST", "/v1/instruments"): lambda w, op, who: Call(
        w.path(op), {"code": w.fresh("MATRIX"), "name": "Scale", "min_value": 0, "max_value": 5}
    ),
    ("pilots", "PATCH", "/v1/instruments/{code}"): _patch({"name": "Renamed scale"}),
    ("pilots", "POST", "/v1/pilots"): _new_pilot,
    ("pilots", "PATCH", "/v1/pilots/{pilot_id}"): _patch({"theme": "being heard"}),
    ("pilots", "POST", "/v1/pilots/{pilot_id}/lifecycle/changes"): _next_phase,
    ("pilots", "POST", "/v1/pilots/{pilot_id}/evidence"): lambda w, op, who: Call(
        w.path(op), {"kind": "learning", "title": "What we learnt", "recorded_on": "2026-10-01"}
    ),
    ("pilots", "POST", "/v1/activities"): lambda w, op, who: Call(
        w.path(op), _activity_body(w.fresh("matrix-activity"))
    ),
    ("pilots", "PATCH", "/v1/activities/{activity_id}"): _patch({"name": "Bouldering"}),
    ("pilots", "GET", "/v1/cases"): _query(f"pilot={OWN_PILOT}"),
    ("pilots", "PATCH", "/v1/cases/{case_id}"): _patch({"responsible_worker": "worker-a"}),
    ("pilots", "POST", "/v1/cases/{case_id}/transitions"): _transition_of_new_case,
    ("pilots", "POST", "/v1/cases/{case_id}/tasks"): lambda w, op, who: Call(
        w.path(op), {"title": "School meeting", "due_on": "2026-12-02", "assignee": "worker-a"}
    ),
    ("pilots", "PATCH", "/v1/cases/{case_id}/tasks/{task_id}"): _patch({"title": "Call again"}),
    ("intake", "POST", "/v1/access-report"): lambda w, op, who: Call(
        w.path(op), {"case_ids": ["any-case"]}, headers={"X-Purpose": "client_request"}
    ),
    ("pilots", "POST", "/v1/cases/access-report"): lambda w, op, who: Call(
        w.path(op), {"case_ids": [w.ids["case_id"]]}, headers={"X-Purpose": "client_request"}
    ),
    ("pilots", "POST", "/v1/cases/by-code"): lambda w, op, who: Call(
        w.path(op),
        {"code": w.as_admin("pilots", "GET", f"/v1/cases/{w.ids['case_id']}").get_json()["code"]},
    ),
    ("pilots", "GET", "/v1/aggregates/indicators"): _query(f"period=2026&pilot={OWN_PILOT}"),
    ("pilots", "GET", "/v1/aggregates/{table_name}"): _query(f"period=2026&pilot={OWN_PILOT}"),
    ("notifications", "PUT", "/v1/notifications/preferences"): _own_preferences,
    ("notifications", "PUT", "/v1/recipients/{subject}"): _new_recipient,
    ("notifications", "PUT", "/v1/organisations/{organisation}/contact"): _patch(
        {"email": "someone-else@example.org"}
    ),
    ("notifications", "POST", "/v1/webhooks"): lambda w, op, who: Call(
        w.path(op),
        {
            "organisation": OWN_ORG,
            "url": "http://127.0.0.1:9/hooks/another",
            "event_types": ["import.failed"],
        },
    ),
    ("notifications", "PATCH", "/v1/webhooks/{endpoint_id}"): _patch({"description": "Apotti"}),
    ("notifications", "DELETE", "/v1/webhooks/{endpoint_id}"): _withdraw_new_webhook,
    ("notifications", "PUT", "/v1/rules/{event_type}"): _patch({"enabled": True}),
    ("notifications", "POST", "/v1/dead-letters/replay"): _query(f"queue={DEAD_LETTER_QUEUE.name}"),
    ("notifications", "POST", "/v1/dead-letters/{dead_letter_id}/replay"): _new_dead_letter,
    ("notifications", "POST", "/v1/dead-letters/{dead_letter_id}/discard"): _new_dead_letter,
}


def _call(w: World, op: Op, who: str) -> Call:
    build = BUILDERS.get(op)
    return build(w, op, who) if build else Call(w.path(op))


def _why(r: TestResponse) -> str:
    """What a problem answer says went wrong (nothing for other answers)."""
    if r.mimetype != PROBLEM_JSON:
        return ""
    body = r.get_json()
    return str(body.get("errors") or body.get("detail", ""))


# --- the tests --------------------------------------------------------------------------------


def test_the_table_has_a_row_for_every_documented_operation_and_no_other(
    documented: list[Op],
) -> None:
    missing = sorted(set(documented) - set(EXPECTED))
    stale = sorted(set(EXPECTED) - set(documented))
    assert not missing, f"operations with no row in EXPECTED: {missing}"
    assert not stale, f"rows of EXPECTED that name no operation: {stale}"
    assert set(BUILDERS) <= set(EXPECTED) and set(LISTED_ONLY_TO) <= set(EXPECTED)


def test_every_operation_answers_every_caller_as_the_table_says(
    world: World, documented: list[Op]
) -> None:
    wrong = []
    for op in documented:
        if op not in EXPECTED:
            wrong.append(f"{op}: no row in EXPECTED")
            continue
        service, method, _ = op
        for who, expected in _row(op).items():
            r = world.send(service, method, _call(world, op, who), world.auth(who))
            if r.status_code != expected:
                wrong.append(
                    f"{method} {op[2]} ({service}) as {who}: {r.status_code}, "
                    f"expected {expected} {_why(r)}".rstrip()
                )
                continue
            if r.status_code >= 400 and r.mimetype != PROBLEM_JSON:
                wrong.append(f"{method} {op[2]} ({service}) as {who}: not problem+json")
            hidden = LISTED_ONLY_TO.get(op)
            if hidden and who not in hidden[1] and r.status_code < 300:
                listed = {str(item.get("id")) for item in r.get_json()["items"]}
                if world.ids[hidden[0]] in listed:
                    wrong.append(f"{method} {op[2]} ({service}) as {who} lists {hidden[0]}")
    assert not wrong, "\n".join(wrong)


def test_every_operation_refuses_a_missing_expired_foreign_unsigned_or_tampered_token(
    world: World, documented: list[Op]
) -> None:
    wrong = []
    for op in documented:
        service, method, _ = op
        for why, auth in bad_authorizations(world.settings).items():
            r = world.send(service, method, _call(world, op, "admin"), auth)
            if r.status_code != 401:
                wrong.append(f"{method} {op[2]} ({service}) with {why}: {r.status_code}")
            elif r.mimetype != PROBLEM_JSON or not r.headers.get("WWW-Authenticate"):
                wrong.append(f"{method} {op[2]} ({service}) with {why}: not a Bearer challenge")
    assert not wrong, "\n".join(wrong)


def test_every_route_outside_the_documents_is_one_named_public_or_behind_a_token(
    world: World, documented: list[Op]
) -> None:
    as_documented = {(service, method, path) for service, method, path in documented}
    wrong = []
    for service, app in world.apps.items():
        for rule in app.url_map.iter_rules():
            path = _openapi_path(rule.rule)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                if (service, method, path) in as_documented:
                    continue
                known = UNDOCUMENTED_ROUTES.get((method, rule.rule))
                if known is None:
                    wrong.append(f"{method} {rule.rule} ({service}): neither documented nor named")
                    continue
                sample, kind = known
                with world.client(service).open(sample, method=method) as r:
                    status = r.status_code
                if (status == 401) != (kind == "token"):
                    wrong.append(f"{method} {sample} ({service}) without a token: {status}")
    assert not wrong, "\n".join(wrong)


def _openapi_path(rule: str) -> str:
    """``/v1/cases/<string:case_id>`` → ``/v1/cases/{case_id}``."""
    return re.sub(r"<(?:[^<>]*:)?([^<>:]+)>", r"{\1}", rule)
