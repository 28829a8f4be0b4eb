"""Each notification rule through the real RabbitMQ, with events made by their real producers:
the pilots API (pilots and their members, lifecycle changes), the pilots scheduler (tasks due and
overdue, idle cases), intake's API and import worker (referrals, imports finished and failed) —
each committed with its outbox row and published by its relay — and, for a message that some
consumer dead-letters, the broker's own dead-lettering. The notifications consumer tells exactly
the people the rule names; an event delivered twice tells them once; a rule switched off tells
no one."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pika
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from services.intake.store import imports
from services.intake.workers.imports import ImportWorker
from services.notifications.consumers import RULES_CONSUMER
from services.notifications.consumers.dead_letters import DEAD_LETTERS, DeadLetterWatcher
from services.notifications.domain.rules import RULES
from services.notifications.store.deliveries import claim
from services.notifications.workers.sender import Sender
from services.pilots.consumers import CASE_EVENTS
from services.pilots.usecases.scheduled_checks import run_checks
from services.registry import consumer_queues
from shared.calendar import HELSINKI
from shared.config import Settings
from shared.db import UnitOfWork, make_session_factory
from shared.messaging import topology
from shared.messaging.consumer import Consumer, Outcome
from shared.messaging.envelope import CONTENT_TYPE, Envelope
from shared.messaging.events import EventType
from shared.messaging.outbox import OutboxRelay
from tests.support.api import bearer
from tests.support.consume import Properties, deliver
from tests.support.intake_data import hetu, referral
from tests.support.notifications import (
    SmtpServer,
    idle_event,
    pilot_published,
    processed,
    published,
    purge,
    referral_event,
    register,
    told,
)
from tests.support.probe import write_events
from tests.support.workers import running, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("empty_outboxes")]

PILOT = "pilot-a"  # the pilot intake's reference data knows
ANNA, BO, CAI = "worker-anna", "worker-bo", "lead-cai"  # two workers and a lead of the pilot
DANA, EINO = "coordinator-dana", "admin-eino"
OUTSIDER = "worker-of-another-pilot"


# --- the running pieces -----------------------------------------------------------------------


def all_queues() -> list[str]:
    return [*consumer_queues(), DEAD_LETTERS.queue.name]


def _partner_webhook_for_referrals(client: FlaskClient, settings: Settings) -> str:
    """The partner organisation's endpoint, subscribed to ``referral.received``: its id."""
    r = client.post(
        "/v1/webhooks",
        json={
            "organisation": "org-partner",
            "url": "http://127.0.0.1:9/hook",
            "event_types": ["referral.received"],
        },
        headers=bearer(settings, "admin"),
    )
    assert r.status_code == 201, r.get_json()
    return str(r.get_json()["id"])


@pytest.fixture
def client(notifications_client: FlaskClient) -> FlaskClient:
    return notifications_client


@pytest.fixture
def rules(
    settings: Settings,
    engines: dict[str, Engine],
    notifications_app: Flask,
    intake_app: Flask,
    pilots_app: Flask,
) -> Iterator[Consumer]:
    """The notifications consumer and every service's relay, running."""
    topology.declare(settings, [RULES_CONSUMER.queue])
    purge(settings, all_queues())
    sessions = make_session_factory(engines["notifications"])
    consumer = Consumer(settings, RULES_CONSUMER, lambda: UnitOfWork(sessions))
    with (
        running(OutboxRelay(settings, engines["intake"], "intake")),
        running(OutboxRelay(settings, engines["pilots"], "pilots")),
        running(OutboxRelay(settings, engines["notifications"], "notifications")),
        running(consumer),
    ):
        yield consumer
    purge(settings, all_queues())


@pytest.fixture
def people(client: FlaskClient, settings: Settings) -> None:
    """The directory: the pilot's people, a coordinator, an admin and an outsider."""
    register(client, settings, ANNA, "pilot_worker", "fi", "anna@example.org", "org-lead")
    register(client, settings, BO, "pilot_worker", "sv", "bo@example.org", "org-lead")
    register(client, settings, CAI, "pilot_lead", "en", "cai@example.org", "org-lead")
    register(client, settings, DANA, "coordinator", "en", "dana@example.org")
    register(client, settings, EINO, "admin", "fi", "eino@example.org")
    register(client, settings, OUTSIDER, "pilot_worker", "fi", "outsider@example.org")


@pytest.fixture
def pilot(
    pilots_client: FlaskClient, settings: Settings, engines: dict[str, Engine], rules: Consumer
) -> dict[str, Any]:
    """Pilot A, made in the pilots API; waits until the notifications service has its copy."""
    admin = bearer(settings, "admin", subject="pilots-admin")
    for org in ("org-lead", "org-partner"):
        body = {"id": org, "name": org, "type": "wellbeing_services_county"}
        assert pilots_client.post("/v1/organisations", json=body, headers=admin).status_code == 201
    body = {
        "id": PILOT,
        "name_fi": "Nuorten polku",
        "name_sv": "Ungas stig",
        "lead_organisation_id": "org-lead",
        "partner_organisation_ids": ["org-partner"],
        "regions": ["08"],
        "theme": "participation",
        "target_group": "young people",
        "starts_on": "2026-01-01",
        "idle_days": 30,
        "members": [
            {"subject": ANNA, "role": "worker"},
            {"subject": BO, "role": "worker"},
            {"subject": CAI, "role": "lead"},
        ],
    }
    r = pilots_client.post("/v1/pilots", json=body, headers=admin)
    assert r.status_code == 201, r.get_json()
    [event] = published(engines["pilots"], EventType.PILOT_PUBLISHED)
    wait_until(lambda: processed(engines["notifications"], [event.id]), 30, "the pilot's copy")
    return r.get_json()


# --- the rules --------------------------------------------------------------------------------


@pytest.mark.usefixtures("people")
def test_a_new_referral_tells_the_pilots_workers_and_no_one_else(
    client: FlaskClient,
    settings: Settings,
    engines: dict[str, Engine],
    intake_client: FlaskClient,
    pilot: dict[str, Any],
) -> None:
    worker = bearer(settings, "pilot_worker", subject=ANNA, pilots=[PILOT])
    r = intake_client.post("/v1/referrals", json=referral(1), headers=worker)
    assert r.status_code == 201, r.get_json()
    [event] = published(engines["intake"], EventType.REFERRAL_RECEIVED)
    wait_until(lambda: processed(engines["notifications"], [event.id]), 30, "the referral")

    [for_anna] = told(client, settings, ANNA)
    [for_bo] = told(client, settings, BO)
    assert (for_anna["kind"], for_anna["event_type"]) == ("referral_received", "referral.received")
    assert for_anna["title"] == "Uusi ohjaus pilottiin Nuorten polku"  # Finnish, the pilot's name
    assert for_bo["title"] == "Ny remiss till piloten Ungas stig"  # Swedish, its Swedish name
    assert for_anna["link"] == "http://127.0.0.1:8080/pilots/pilot-a/cases?state=referred"
    for nobody in (CAI, DANA, EINO, OUTSIDER):
        assert told(client, settings, nobody) == []
    shown = str(told(client, settings, ANNA))
    for identifying in (event.data["pseudonym"], event.data["source_system"], "R-1"):
        assert identifying not in shown


@pytest.mark.usefixtures("people")
def test_tasks_due_and_overdue_tell_their_assignee_and_an_idle_case_its_responsible_worker(
    client: FlaskClient,
    settings: Settings,
    engines: dict[str, Engine],
    pilots_client: FlaskClient,
    pilot: dict[str, Any],
) -> None:
    # Two cases opened by referrals 40 days ago (and in the system since): one with a responsible
    # worker, one without.
    sessions = make_session_factory(engines["pilots"])
    cases = Consumer(settings, CASE_EVENTS, lambda: UnitOfWork(sessions))
    long_ago = (date.today() - timedelta(days=40)).isoformat()
    for young in ("young-1", "young-2"):
        deliver(
            cases,
            Envelope.new(
                EventType.REFERRAL_RECEIVED,
                "/turvaverkko/intake",
                {
                    "pilot_id": PILOT,
                    "key_id": "dev",
                    "pseudonym": f"pseudonym-of-{young}",
                    "referred_on": long_ago,
                    "age_band": "13-15",
                },
            ),
        )
    with engines["pilots"].begin() as db:
        db.execute(sa.text("UPDATE pilot_case SET created_at = now() - interval '40 days'"))
    worker = bearer(settings, "pilot_worker", subject=ANNA, pilots=[PILOT])
    listed = pilots_client.get("/v1/cases", headers=worker).get_json()["items"]
    first, second = sorted(listed, key=lambda c: c["id"])
    r = pilots_client.patch(
        f"/v1/cases/{first['id']}",
        json={"responsible_worker": BO},
        headers=worker | {"If-Match": '"1"'},
    )
    assert r.status_code == 200, r.get_json()
    today = datetime.now(HELSINKI).date()
    for title, due, assignee in (
        ("call the family", today, ANNA),
        ("school meeting", today - timedelta(days=3), BO),
    ):
        r = pilots_client.post(
            f"/v1/cases/{first['id']}/tasks",
            json={"title": title, "due_on": due.isoformat(), "assignee": assignee},
            headers=worker,
        )
        assert r.status_code == 201, r.get_json()

    with UnitOfWork(sessions) as uow:  # the scheduler's tick
        events = run_checks(uow)
        uow.commit()
    assert sorted(e.type for e in events) == ["case.idle", "case.idle", "task.due", "task.overdue"]
    wait_until(
        lambda: processed(engines["notifications"], [e.id for e in events]), 30, "the checks"
    )

    assert [i["kind"] for i in told(client, settings, ANNA)] == ["task_due"]
    assert sorted(i["kind"] for i in told(client, settings, BO)) == ["case_idle", "task_overdue"]
    [for_lead] = told(client, settings, CAI)  # the case without a responsible worker
    assert for_lead["kind"] == "case_idle"
    assert for_lead["link"].endswith("/cases?pilot=pilot-a&idle=true")  # the pilot's idle cases
    assert for_lead["title"] == "A case has been idle"
    [for_bo] = [i for i in told(client, settings, BO) if i["kind"] == "case_idle"]
    assert for_bo["link"].endswith("/cases?pilot=pilot-a&responsible=me&idle=true")
    assert second["id"] not in str(for_lead) and first["id"] not in str(for_bo)
    for nobody in (DANA, EINO, OUTSIDER):
        assert told(client, settings, nobody) == []
    for item in told(client, settings, ANNA) + told(client, settings, BO):
        assert "call the family" not in str(item) and "school meeting" not in str(item)


IMPORT_CSV = (
    "source_system;source_id;pilot_id;personal_identity_code;referred_on;gender;home_region;"
    "referring_organisation_type;reason\r\n"
    "apotti;IMP-1;pilot-a;{code};2026-09-15;female;08;child_welfare;family_situation\r\n"
)


def import_file(
    intake_app: Flask, intake_client: FlaskClient, headers: dict[str, str], body: bytes
) -> str:
    """Upload a referral file and run the import worker over it; its job id."""
    r = intake_client.post(
        "/v1/imports?kind=referral", data=body, headers=headers | {"Content-Type": "text/csv"}
    )
    assert r.status_code == 202, r.get_json()
    context = intake_app.extensions["turvaverkko"]
    worker = ImportWorker(
        context.engine, intake_app.extensions["intake"], settings=context.settings
    )
    try:
        job = imports.claim(context.engine)
        assert job is not None
        worker.process(job)
    finally:
        worker.close()
    return r.get_json()["id"]


@pytest.mark.usefixtures("people", "rules")
def test_an_import_finished_or_failed_tells_the_uploader_and_the_integrations_contact(
    client: FlaskClient,
    settings: Settings,
    engines: dict[str, Engine],
    intake_app: Flask,
    intake_client: FlaskClient,
) -> None:
    integration = bearer(
        settings, "integration", subject="apotti-sync", pilots=[PILOT], organisation="org-pirha"
    )
    register(client, settings, "apotti-sync", "integration", "en", "ops@example.org", "org-pirha")
    r = client.put(
        "/v1/organisations/org-pirha/contact",
        json={"email": "yhteyshenkilo@example.org", "language": "sv"},
        headers=integration,
    )
    assert r.status_code == 201, r.get_json()

    import_file(intake_app, intake_client, integration, IMPORT_CSV.format(code=hetu(5)).encode())
    import_file(intake_app, intake_client, integration, b"nothing;we;know\r\n1;2;3\r\n")
    # A lead's own upload is the lead's business: the integration's contact is not told.
    lead = bearer(settings, "pilot_lead", subject=CAI, pilots=[PILOT], organisation="org-pirha")
    import_file(intake_app, intake_client, lead, IMPORT_CSV.format(code=hetu(6)).encode())
    finished = published(engines["intake"], EventType.IMPORT_FINISHED)
    failed = published(engines["intake"], EventType.IMPORT_FAILED)
    assert (len(finished), len(failed)) == (2, 1)
    wait_until(
        lambda: processed(engines["notifications"], [e.id for e in finished + failed]),
        30,
        "the imports",
    )
    assert sorted(i["kind"] for i in told(client, settings, "apotti-sync")) == [
        "import_failed",
        "import_finished",
    ]
    assert [i["kind"] for i in told(client, settings, CAI)] == ["import_finished"]

    with SmtpServer() as smtp:
        sender = Sender(
            dataclasses.replace(settings, smtp_port=smtp.port), engines["notifications"]
        )
        try:
            done = sender.run_once()
        finally:
            sender.close()
        assert done.statuses == {"delivered": 5}
        contact = smtp.to("yhteyshenkilo@example.org")
        assert sorted(m.subject for m in contact) == ["Importen misslyckades", "Importen är klar"]
        assert sorted(m.subject for m in smtp.to("ops@example.org")) == [
            "Import failed",
            "Import finished",
        ]
        assert [m.subject for m in smtp.to("cai@example.org")] == ["Import finished"]
    finished_mail = next(m for m in contact if m.subject == "Importen är klar")
    assert "1 rader, 1 godkända, 0 redan importerade, 0 avvisade" in finished_mail.text
    assert hetu(5) not in finished_mail.raw.decode() and "IMP-1" not in finished_mail.raw.decode()


@pytest.mark.usefixtures("people", "pilot")
def test_a_lifecycle_phase_change_tells_the_coordinators(
    client: FlaskClient,
    settings: Settings,
    engines: dict[str, Engine],
    pilots_client: FlaskClient,
) -> None:
    r = pilots_client.post(
        f"/v1/pilots/{PILOT}/lifecycle/changes",
        json={"to_phase": "piloting", "changed_on": "2026-02-01", "reason": "started"},
        headers=bearer(settings, "admin"),
    )
    assert r.status_code == 201, r.get_json()
    [event] = published(engines["pilots"], EventType.LIFECYCLE_PHASE_CHANGED)
    wait_until(lambda: processed(engines["notifications"], [event.id]), 30, "the phase change")
    [item] = told(client, settings, DANA)
    assert item["title"] == "Pilot Nuorten polku changed phase"
    assert item["text"] == (
        "The innovation of pilot Nuorten polku moved from the idea phase to piloting "
        "(1 February 2026)."
    )
    for nobody in (ANNA, BO, CAI, EINO):
        assert told(client, settings, nobody) == []


@pytest.mark.usefixtures("people")
def test_a_message_dead_lettered_anywhere_tells_the_admins(
    client: FlaskClient, settings: Settings, engines: dict[str, Engine], rules: Consumer
) -> None:
    """A referral the pilots service cannot handle is retried up to the delivery limit, then the
    broker dead-letters it; the watcher sees the copy and the admins are told."""
    sessions = {s: make_session_factory(engines[s]) for s in ("pilots", "notifications")}
    cases = Consumer(settings, CASE_EVENTS, lambda: UnitOfWork(sessions["pilots"]))
    watcher = DeadLetterWatcher(
        settings, lambda: UnitOfWork(sessions["notifications"]), consumer_queues()
    )
    poison = Envelope.new(  # a producer's bug: no referral date
        EventType.REFERRAL_RECEIVED,
        "/turvaverkko/intake",
        {"pilot_id": PILOT, "key_id": "dev", "pseudonym": "pseudonym-of-poison"},
    )
    with running(watcher), running(cases):
        write_events(engines["intake"], [poison])
        wait_until(lambda: told(client, settings, EINO) != [], 60, "the admins to be told")
    [item] = told(client, settings, EINO)
    assert item["kind"] == "message_dead_lettered"
    assert "turvaverkko.pilots.case-events" in item["text"] and "referral.received" in item["text"]
    assert item["link"].endswith("/admin/dead-letters?queue=turvaverkko.pilots.case-events")
    assert "pseudonym-of-poison" not in str(item)
    [event] = published(engines["notifications"], EventType.MESSAGE_DEAD_LETTERED)
    assert event.data["event_ids"] == [poison.id] and event.data["reason"] == "delivery_limit"
    for nobody in (ANNA, DANA):
        assert told(client, settings, nobody) == []


@pytest.mark.usefixtures("people")
def test_the_same_dead_lettered_copy_delivered_twice_is_announced_once(
    settings: Settings, engines: dict[str, Engine], notifications_app: Flask
) -> None:
    sessions = make_session_factory(engines["notifications"])
    watcher = DeadLetterWatcher(settings, lambda: UnitOfWork(sessions), consumer_queues())
    body = Envelope.new(EventType.TASK_DUE, "/turvaverkko/pilots", {"task_id": "t"}).to_json_bytes()
    death = {
        "x-death": [{"queue": "turvaverkko.notifications.rules", "reason": "rejected", "count": 1}]
    }
    for _ in range(2):
        watcher.handle(body, Properties(CONTENT_TYPE, death))
    announced = published(engines["notifications"], EventType.MESSAGE_DEAD_LETTERED)
    assert [e.data["queue"] for e in announced] == ["turvaverkko.notifications.rules"]
    assert watcher.outcomes["duplicate"] == 1
    # Dead-lettered again later (replayed, failed again): a new death, a new announcement.
    death["x-death"][0]["count"] = 2
    watcher.handle(body, Properties(CONTENT_TYPE, death))
    assert len(published(engines["notifications"], EventType.MESSAGE_DEAD_LETTERED)) == 2
    # A dead-lettered announcement is not announced again: no loop.
    loop = Envelope.new(EventType.MESSAGE_DEAD_LETTERED, "/turvaverkko/notifications", {})
    watcher.handle(loop.to_json_bytes(), Properties(CONTENT_TYPE, death))
    assert len(published(engines["notifications"], EventType.MESSAGE_DEAD_LETTERED)) == 2


@pytest.mark.usefixtures("people")
def test_the_same_event_delivered_twice_tells_once(
    client: FlaskClient,
    settings: Settings,
    engines: dict[str, Engine],
    intake_client: FlaskClient,
    pilot: dict[str, Any],
    rules: Consumer,
) -> None:
    endpoint = _partner_webhook_for_referrals(client, settings)
    worker = bearer(settings, "pilot_worker", subject=ANNA, pilots=[PILOT])
    assert intake_client.post("/v1/referrals", json=referral(2), headers=worker).status_code == 201
    [event] = published(engines["intake"], EventType.REFERRAL_RECEIVED)
    wait_until(lambda: processed(engines["notifications"], [event.id]), 30, "the referral")
    connection = pika.BlockingConnection(topology.connection_parameters(settings))
    channel = connection.channel()
    channel.confirm_delivery()
    channel.basic_publish(  # as a relay re-sending after a crash would
        settings.events_exchange,
        event.type,
        event.to_json_bytes(),
        pika.BasicProperties(content_type=CONTENT_TYPE, delivery_mode=2),
    )
    connection.close()
    wait_until(lambda: rules.outcomes["duplicate"] == 1, 30, "the second delivery")

    assert len(told(client, settings, ANNA)) == 1 and len(told(client, settings, BO)) == 1
    with engines["notifications"].connect() as db:
        deliveries = db.execute(
            sa.text("SELECT channel, destination FROM delivery ORDER BY channel, destination")
        ).all()
    assert [tuple(d) for d in deliveries] == [("email", ANNA), ("email", BO), ("webhook", endpoint)]


@pytest.mark.usefixtures("people")
def test_a_rule_switched_off_tells_no_one_until_it_is_on_again(
    client: FlaskClient,
    settings: Settings,
    engines: dict[str, Engine],
    intake_client: FlaskClient,
    pilot: dict[str, Any],
) -> None:
    admin = bearer(settings, "admin", subject=EINO)
    r = client.put(
        "/v1/rules/referral.received", json={"enabled": False}, headers=admin | {"If-Match": '"0"'}
    )
    assert r.status_code == 200 and r.get_json()["enabled"] is False
    assert r.get_json()["updated_by"] == EINO
    worker = bearer(settings, "pilot_worker", subject=ANNA, pilots=[PILOT])
    assert intake_client.post("/v1/referrals", json=referral(3), headers=worker).status_code == 201
    [off] = published(engines["intake"], EventType.REFERRAL_RECEIVED)
    wait_until(lambda: processed(engines["notifications"], [off.id]), 30, "the first referral")
    assert told(client, settings, ANNA) == []

    r = client.put(
        "/v1/rules/referral.received",
        json={"enabled": True},
        headers=admin | {"If-Match": r.headers["ETag"]},
    )
    assert r.status_code == 200 and r.get_json()["enabled"] is True
    assert intake_client.post("/v1/referrals", json=referral(4), headers=worker).status_code == 201
    on = published(engines["intake"], EventType.REFERRAL_RECEIVED)[-1]
    wait_until(lambda: processed(engines["notifications"], [on.id]), 30, "the second referral")
    assert [i["kind"] for i in told(client, settings, ANNA)] == ["referral_received"]
    rules_now = {
        r["event_type"]: r["enabled"] for r in client.get("/v1/rules", headers=admin).get_json()
    }
    assert rules_now["referral.received"] is True and set(rules_now) == set(RULES)


# --- idle cases gathered; events that wait for their pilot -------------------------------------
# Driven through the rules consumer's own handling (idempotency record and all), without the
# broker, with the events as their producers make them.


@pytest.fixture
def handler(settings: Settings, engines: dict[str, Engine], notifications_app: Flask) -> Consumer:
    """The notifications rules consumer, handed its messages by the test."""
    sessions = make_session_factory(engines["notifications"])
    return Consumer(settings, RULES_CONSUMER, lambda: UnitOfWork(sessions))


#: A scheduler's tick in the morning of 3 December 2026, Finnish time.
MORNING = datetime(2026, 12, 3, 9, 30, tzinfo=HELSINKI)
MEMBERS = {ANNA: "worker", BO: "worker", CAI: "lead"}


def unread(client: FlaskClient, settings: Settings, subject: str) -> int:
    r = client.get("/v1/notifications/unread-count", headers=bearer(settings, subject=subject))
    return int(r.get_json()["unread"])


def emails(engine: Engine) -> list[tuple[str, str, str | None]]:
    """Every e-mail delivery: to whom, its status, the count its message carries."""
    with engine.connect() as db:
        rows = db.execute(
            sa.text(
                "SELECT destination, status, params->>'count' FROM delivery "
                "WHERE channel = 'email' ORDER BY destination, id"
            )
        ).all()
    return [tuple(r) for r in rows]


@pytest.mark.usefixtures("people")
def test_idle_cases_are_gathered_into_one_item_and_one_email_per_person_pilot_and_day(
    client: FlaskClient, settings: Settings, engines: dict[str, Engine], handler: Consumer
) -> None:
    """An import's flood of idle cases: one inbox item per recipient, pilot and Helsinki day,
    counting them, and at most one e-mail — not one of each per case."""
    deliver(
        handler,
        pilot_published(PILOT, MEMBERS),
        pilot_published("pilot-b", {CAI: "lead"}, name_fi="Toinen polku", name_sv=None),
    )
    unassigned = [idle_event(PILOT, at=MORNING + timedelta(minutes=n)) for n in range(3)]
    # The first one delivered twice (a relay re-sending after a crash) is counted once.
    assert deliver(handler, *unassigned, unassigned[0]) == [Outcome.ACK] * 4
    assert handler.outcomes["duplicate"] == 1
    [item] = told(client, settings, CAI)
    assert (item["kind"], item["event_type"]) == ("case_idle", "case.idle")
    assert item["title"] == "3 cases have been idle"  # Cai reads English
    assert item["text"] == "3 cases in pilot Nuorten polku have had no activity for 30 days."
    assert item["link"] == "http://127.0.0.1:8080/cases?pilot=pilot-a&idle=true"
    assert unread(client, settings, CAI) == 1
    for event in unassigned:
        assert event.data["case_id"] not in str(told(client, settings, CAI))

    # Read; then another idle case that evening: the same item, counting 4, unread again.
    r = client.post(f"/v1/notifications/{item['id']}/read", headers=bearer(settings, subject=CAI))
    assert r.status_code == 200 and unread(client, settings, CAI) == 0
    deliver(handler, idle_event(PILOT, at=MORNING + timedelta(hours=12)))
    [again] = told(client, settings, CAI)
    assert again["id"] == item["id"] and again["read"] is False
    assert again["title"] == "4 cases have been idle" and unread(client, settings, CAI) == 1

    # Cases with a responsible worker: theirs, in their language, linking to their idle cases.
    deliver(handler, idle_event(PILOT, BO, at=MORNING), idle_event(PILOT, BO, at=MORNING))
    [for_bo] = told(client, settings, BO)
    assert for_bo["title"] == "2 ärenden har varit inaktiva"
    assert for_bo["text"] == (
        "2 ärenden i piloten Ungas stig har inte haft någon aktivitet på 30 dagar."
    )
    assert for_bo["link"].endswith("/cases?pilot=pilot-a&responsible=me&idle=true")
    assert told(client, settings, ANNA) == []

    # Another pilot: another item — first for a case Cai is responsible for (the list of Cai's
    # own), then for one with no one (the pilot's whole list, as it now gathers both). After
    # midnight in Helsinki (still the 3rd in UTC): another day, another item.
    deliver(handler, idle_event("pilot-b", CAI, at=MORNING))
    [own] = [i for i in told(client, settings, CAI) if "pilot-b" in i["link"]]
    assert own["link"].endswith("/cases?pilot=pilot-b&responsible=me&idle=true")
    after_midnight = datetime(2026, 12, 3, 22, 30, tzinfo=UTC)
    deliver(handler, idle_event("pilot-b", at=MORNING), idle_event(PILOT, at=after_midnight))
    shown = sorted((i["title"], i["link"].split("?")[1]) for i in told(client, settings, CAI))
    assert shown == [
        ("2 cases have been idle", "pilot=pilot-b&idle=true"),
        ("4 cases have been idle", "pilot=pilot-a&idle=true"),
        ("A case has been idle", "pilot=pilot-a&idle=true"),
    ]

    # E-mail: one per person, pilot and day, carrying the count it has when it is sent.
    assert emails(engines["notifications"]) == [
        (CAI, "pending", "4"),
        (CAI, "pending", "2"),
        (CAI, "pending", "1"),
        (BO, "pending", "2"),
    ]
    with SmtpServer() as smtp:
        sender = Sender(
            dataclasses.replace(settings, smtp_port=smtp.port), engines["notifications"]
        )
        try:
            assert sender.run_once().statuses == {"delivered": 4}
            # A fifth idle case that day, after its e-mail went: the item counts it; no e-mail.
            deliver(handler, idle_event(PILOT, at=MORNING + timedelta(hours=13)))
            assert sender.run_once().statuses == {}
        finally:
            sender.close()
        assert sorted(m.subject for m in smtp.to("cai@example.org")) == [
            "2 cases have been idle",
            "4 cases have been idle",
            "A case has been idle",
        ]
        [to_bo] = smtp.to("bo@example.org")
        assert to_bo.subject == "2 ärenden har varit inaktiva"
        assert f"/notifications/{for_bo['id']}" in to_bo.text
    assert [s for _, s, _ in emails(engines["notifications"])] == ["delivered"] * 4
    assert "5 cases have been idle" in [i["title"] for i in told(client, settings, CAI)]
    assert len(told(client, settings, CAI)) == 3


@pytest.mark.usefixtures("people")
def test_a_gathered_email_a_sender_holds_keeps_the_count_it_is_being_sent_with(
    client: FlaskClient, settings: Settings, engines: dict[str, Engine], handler: Consumer
) -> None:
    deliver(handler, pilot_published(PILOT, MEMBERS), idle_event(PILOT, at=MORNING))
    taken = claim(engines["notifications"], datetime.now(UTC), ("email",), 10, timedelta(minutes=5))
    [being_sent] = taken.deliveries
    assert being_sent.params["count"] == 1
    deliver(handler, idle_event(PILOT, at=MORNING + timedelta(minutes=1)))
    # The item counts on; the e-mail being sent is not changed under its sender, nor doubled.
    assert [i["title"] for i in told(client, settings, CAI)] == ["2 cases have been idle"]
    assert emails(engines["notifications"]) == [(CAI, "pending", "1")]


def waiting_rows(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as db:
        rows = db.execute(
            sa.text("SELECT event_id, event_type, pilot_id, data FROM waiting_event ORDER BY 1")
        ).all()
    return [tuple(r) for r in rows]


@pytest.mark.usefixtures("people")
def test_a_referral_that_comes_before_its_pilot_reaches_the_pilots_workers_once_it_is_published(
    client: FlaskClient, settings: Settings, engines: dict[str, Engine], handler: Consumer
) -> None:
    endpoint = _partner_webhook_for_referrals(client, settings)
    early = referral_event("pilot-late")
    assert deliver(handler, early, early) == [Outcome.ACK, Outcome.ACK]
    for nobody in (ANNA, BO, CAI):
        assert told(client, settings, nobody) == []
    # It waits, with nothing of it but what its rule needs: the pilot.
    assert waiting_rows(engines["notifications"]) == [
        (early.id, "referral.received", "pilot-late", {"pilot_id": "pilot-late"})
    ]

    published_first = pilot_published("pilot-late", MEMBERS, partners=("org-partner",))
    deliver(handler, published_first)
    [for_anna] = told(client, settings, ANNA)
    [for_bo] = told(client, settings, BO)
    assert for_anna["title"] == "Uusi ohjaus pilottiin Nuorten polku"
    assert for_bo["title"] == "Ny remiss till piloten Ungas stig"
    assert for_anna["link"].endswith("/pilots/pilot-late/cases?state=referred")
    assert told(client, settings, CAI) == []
    assert waiting_rows(engines["notifications"]) == []

    # Published again — a newer version, and the first one re-sent — and the referral re-sent:
    # told once all the same.
    newer = pilot_published("pilot-late", MEMBERS, partners=("org-partner",), version=2)
    deliver(handler, newer, published_first, early)
    assert len(told(client, settings, ANNA)) == 1 and len(told(client, settings, BO)) == 1
    with engines["notifications"].connect() as db:
        deliveries = db.execute(
            sa.text("SELECT channel, destination FROM delivery ORDER BY channel, destination")
        ).all()
    assert [tuple(d) for d in deliveries] == [("email", ANNA), ("email", BO), ("webhook", endpoint)]
    shown = str(told(client, settings, ANNA)) + str(waiting_rows(engines["notifications"]))
    for identifying in (early.data["pseudonym"], early.data["source_system"]):
        assert identifying not in shown


def waits_for_a_lock(engine: Engine) -> bool:
    with engine.connect() as db:
        return bool(
            db.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar()
        )


@pytest.mark.parametrize("first", ["referral", "publication"])
@pytest.mark.usefixtures("people")
def test_a_referral_and_its_pilots_publication_at_the_same_moment_tell_the_workers_once(
    client: FlaskClient,
    settings: Settings,
    engines: dict[str, Engine],
    handler: Consumer,
    first: str,
) -> None:
    """One transaction handles the referral, another the pilot's publication, at once: whichever
    goes first, the other sees what it did — the workers are told, once."""
    referral_now = referral_event("pilot-now")
    published_now = pilot_published("pilot-now", MEMBERS)
    held, other = (
        (referral_now, published_now) if first == "referral" else (published_now, referral_now)
    )
    handlers = RULES_CONSUMER.handlers  # what the consumer does with each
    engine = engines["notifications"]
    sessions = make_session_factory(engine)
    with UnitOfWork(sessions) as uow:
        handlers[held.type](held, uow)  # done, not yet committed
        thread = threading.Thread(target=deliver, args=(handler, other))
        thread.start()
        wait_until(lambda: waits_for_a_lock(engine) or not thread.is_alive(), 30, "the other")
        waited = thread.is_alive()  # the other waits for this one to end
        uow.commit()
    thread.join(30)
    assert waited and not thread.is_alive()
    assert [i["kind"] for i in told(client, settings, ANNA)] == ["referral_received"]
    assert [i["kind"] for i in told(client, settings, BO)] == ["referral_received"]
    assert waiting_rows(engine) == []
