"""E-mail, read back from a real local SMTP server: each recipient's language, nothing that names
a young person, a case or a task — only what happened and a link; credentials when configured;
temporary failures retried and permanent ones not; the daily digest once a day per user; and a
mail server that hangs holds back neither the queue nor the webhooks."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from services.notifications.consumers import RULES_CONSUMER
from services.notifications.domain.digests import HELSINKI
from services.notifications.workers.sender import Sender
from shared.config import Settings
from shared.db import UnitOfWork, make_session_factory
from shared.messaging import topology
from shared.messaging.consumer import Consumer, Outcome
from shared.messaging.envelope import Envelope
from shared.messaging.events import EventType
from shared.messaging.outbox import OutboxRelay
from tests.support.api import bearer
from tests.support.consume import deliver
from tests.support.notifications import (
    Received,
    Silent,
    SmtpServer,
    WebhookReceiver,
    import_finished,
    loopback_allowed,
    pilot_published,
    processed,
    purge,
    referral_event,
    register,
    self_signed_certificate,
    task_event,
    told,
)
from tests.support.probe import write_events
from tests.support.workers import running, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("empty_outboxes")]

PILOT = "pilot-email"
AINO, BO, CAI = "user-4711", "user-4712", "user-4713"  # subjects, as tokens name them


@pytest.fixture
def client(notifications_client: FlaskClient) -> FlaskClient:
    return notifications_client


@pytest.fixture
def rules(settings: Settings, engines: dict[str, Engine]) -> Consumer:
    """The notifications consumer, fed events directly (the rules tests go through RabbitMQ)."""
    sessions = make_session_factory(engines["notifications"])
    return Consumer(settings, RULES_CONSUMER, lambda: UnitOfWork(sessions))


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def sender(settings: Settings, engines: dict[str, Engine]) -> Iterator[Callable[..., Sender]]:
    """Builds senders with changed settings, and closes them afterwards."""
    made: list[Sender] = []

    def make(**changes: Any) -> Sender:
        made.append(
            Sender(
                dataclasses.replace(loopback_allowed(settings), **changes), engines["notifications"]
            )
        )
        return made[-1]

    yield make
    for built in made:
        built.close()


@pytest.fixture
def people(client: FlaskClient, settings: Settings) -> None:
    register(client, settings, AINO, "pilot_worker", "fi", "aino.virtanen@example.org")
    register(client, settings, BO, "pilot_worker", "sv", "bo.lindqvist@example.org")
    register(client, settings, CAI, "pilot_lead", "en", "cai.smith@example.org")


def everything(mail: Received) -> str:
    """Every header and the body, decoded: what a reader (or a mail server's log) could see."""
    headers = "\n".join(f"{name}: {value}" for name, value in mail.message.items())
    return f"{headers}\n{mail.text}\n{mail.raw.decode('utf-8', 'replace')}"


@pytest.mark.usefixtures("people")
def test_each_email_is_in_its_readers_language_and_names_no_young_person_case_or_task(
    client: FlaskClient,
    settings: Settings,
    rules: Consumer,
    smtp: SmtpServer,
    sender: Callable[..., Sender],
) -> None:
    events = [
        pilot_published(PILOT, {AINO: "worker", BO: "worker", CAI: "lead"}),
        task_event(EventType.TASK_DUE, AINO, PILOT),
        task_event(EventType.TASK_OVERDUE, BO, PILOT, due_on="2026-11-20"),
        task_event(EventType.TASK_DUE, CAI, PILOT),
        referral_event(PILOT),
    ]
    assert deliver(rules, *events) == [Outcome.ACK] * 5
    done = sender(smtp_port=smtp.port).run_once()
    assert done.statuses == {"delivered": 5}  # three tasks; the referral to the two workers

    [aino_task] = [m for m in smtp.to("aino.virtanen@example.org") if "Tehtävä" in m.subject]
    assert aino_task.subject == "Tehtävä erääntyy tänään"
    assert aino_task.message["Content-Language"] == "fi"
    assert "Sinulle osoitettu tehtävä pilotissa Nuorten polku erääntyy tänään (27.11.2026)." in (
        aino_task.text
    )
    [item] = [i for i in told(client, settings, AINO) if i["kind"] == "task_due"]
    assert f"Avaa Turvaverkko: http://127.0.0.1:8080/notifications/{item['id']}" in aino_task.text

    [bo_task] = [m for m in smtp.to("bo.lindqvist@example.org") if "uppgift" in m.subject]
    assert bo_task.subject == "En uppgift är försenad"
    assert bo_task.message["Content-Language"] == "sv"
    assert "i piloten Ungas stig förföll 20.11.2026" in bo_task.text
    assert "Öppna Turvaverkko: http://127.0.0.1:8080/notifications/" in bo_task.text

    [cai_task] = smtp.to("cai.smith@example.org")
    assert (cai_task.subject, cai_task.message["Content-Language"]) == ("A task is due today", "en")
    assert "is due today (27 November 2026)" in cai_task.text
    assert cai_task.message["From"] == settings.mail_from
    assert cai_task.message["Auto-Submitted"] == "auto-generated"

    referral_mails = [m for m in smtp.received if "remiss" in m.subject or "ohjaus" in m.subject]
    assert sorted(m.subject for m in referral_mails) == [
        "Ny remiss till piloten Ungas stig",
        "Uusi ohjaus pilottiin Nuorten polku",
    ]
    identifying = {PILOT, "Soita Virtasen perheelle", AINO, BO, CAI}
    for event in events[1:]:
        identifying |= {
            str(event.data[k])
            for k in ("task_id", "case_id", "pseudonym", "source_system")
            if k in event.data
        }
    for mail in smtp.received:
        seen = everything(mail)
        assert not [i for i in identifying if i in seen], mail.subject


@pytest.mark.usefixtures("people")
def test_the_configured_smtp_credentials_are_used(
    settings: Settings, rules: Consumer, sender: Callable[..., Sender]
) -> None:
    deliver(rules, task_event(EventType.TASK_DUE, AINO, PILOT))
    with SmtpServer(require_login=True) as server:
        refused = sender(smtp_port=server.port).run_once()  # no credentials configured
        assert refused.statuses == {"pending": 1}  # a login refused is ours to fix: retried
        later = datetime.now(HELSINKI) + timedelta(hours=2)
        done = sender(
            smtp_port=server.port, smtp_username="turvaverkko", smtp_password="s3cret-for-tests"
        ).run_once(later)
        assert done.statuses == {"delivered": 1}
        assert server.handler.logins == [("turvaverkko", "s3cret-for-tests")]
        assert [m.subject for m in server.received] == ["Tehtävä erääntyy tänään"]


@pytest.mark.usefixtures("people")
def test_starttls_verifies_the_mail_server_by_the_configured_ca_before_any_credential_is_sent(
    settings: Settings, rules: Consumer, sender: Callable[..., Sender], tmp_path: Path
) -> None:
    certificate = self_signed_certificate(tmp_path)
    login = {"smtp_username": "turvaverkko", "smtp_password": "s3cret-for-tests"}
    deliver(rules, task_event(EventType.TASK_DUE, AINO, PILOT))
    with SmtpServer(require_login=True, tls="starttls", certificate=certificate) as server:
        untrusted = sender(smtp_port=server.port, smtp_security="starttls", **login).run_once()
        assert untrusted.statuses == {"pending": 1}  # an unknown certificate: tried again later
        assert server.handler.logins == [] and server.received == []  # and told it nothing
        later = datetime.now(HELSINKI) + timedelta(hours=2)
        done = sender(
            smtp_port=server.port,
            smtp_security="starttls",
            smtp_ca_file=str(certificate.cert),
            **login,
        ).run_once(later)
        assert done.statuses == {"delivered": 1}
        assert server.handler.logins == [("turvaverkko", "s3cret-for-tests")]
        [mail] = server.received
        assert mail.tls and mail.subject == "Tehtävä erääntyy tänään"


@pytest.mark.usefixtures("people")
def test_implicit_tls_to_a_mail_server_trusted_by_the_configured_ca(
    settings: Settings, rules: Consumer, sender: Callable[..., Sender], tmp_path: Path
) -> None:
    certificate = self_signed_certificate(tmp_path)
    deliver(rules, task_event(EventType.TASK_DUE, AINO, PILOT))
    with SmtpServer(tls="tls", certificate=certificate) as server:
        done = sender(
            smtp_port=server.port, smtp_security="tls", smtp_ca_file=str(certificate.cert)
        ).run_once()
        assert done.statuses == {"delivered": 1}
        [mail] = server.received
        assert mail.tls


@pytest.mark.usefixtures("people")
def test_a_temporary_smtp_failure_is_retried_and_a_permanent_one_fails_at_once(
    client: FlaskClient,
    settings: Settings,
    engines: dict[str, Engine],
    rules: Consumer,
    smtp: SmtpServer,
    sender: Callable[..., Sender],
) -> None:
    deliver(rules, task_event(EventType.TASK_DUE, AINO, PILOT))
    smtp.handler.data_replies.append("451 4.3.0 Try again later")
    mailing = sender(smtp_port=smtp.port)
    now = datetime.now(HELSINKI)
    assert mailing.run_once(now).statuses == {"pending": 1}
    assert mailing.run_once(now).statuses == {}  # not yet due again
    assert mailing.run_once(now + timedelta(minutes=1)).statuses == {"delivered": 1}
    assert len(smtp.received) == 1

    deliver(rules, task_event(EventType.TASK_DUE, BO, PILOT))
    smtp.handler.rcpt_reply = "550 5.1.1 No such mailbox"
    assert mailing.run_once(now + timedelta(minutes=2)).statuses == {"failed": 1}
    log = client.get("/v1/deliveries?channel=email", headers=bearer(settings, "admin")).get_json()[
        "items"
    ]
    by_recipient = {d["recipient"]: d for d in log}
    assert (by_recipient[AINO]["status"], by_recipient[AINO]["attempts"]) == ("delivered", 2)
    assert (by_recipient[BO]["status"], by_recipient[BO]["attempts"]) == ("failed", 1)
    assert by_recipient[BO]["last_error"] == "SMTPRecipientsRefused 550"
    detail = client.get(
        f"/v1/deliveries/{by_recipient[AINO]['id']}", headers=bearer(settings, "admin")
    ).get_json()
    assert [(a["attempt"], a["outcome"], a["status_code"]) for a in detail["attempt_log"]] == [
        (1, "retry", 451),
        (2, "delivered", None),
    ]


def test_a_daily_digest_gathers_a_users_notifications_once_a_day_per_channel(
    client: FlaskClient,
    settings: Settings,
    rules: Consumer,
    smtp: SmtpServer,
    sender: Callable[..., Sender],
) -> None:
    register(client, settings, CAI, "pilot_lead", "en", "cai.smith@example.org")
    me = bearer(settings, subject=CAI)
    choice = {"inbox": "digest", "email": "digest", "language": None}
    r = client.put("/v1/notifications/preferences", json=choice, headers=me | {"If-Match": '"0"'})
    assert r.status_code == 200 and r.headers["ETag"] == '"1"'

    now = datetime.now(HELSINKI)
    hour = (now.hour + 2) % 24  # the digest hour: two hours from now, Finnish time
    digests = sender(smtp_port=smtp.port, notifications_digest_hour=hour)
    first_slot = (now + timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)

    deliver(
        rules,
        pilot_published(PILOT, {CAI: "lead"}),
        task_event(EventType.TASK_DUE, CAI, PILOT),
        task_event(EventType.TASK_DUE, CAI, PILOT),
        task_event(EventType.TASK_OVERDUE, CAI, PILOT),
    )
    assert told(client, settings, CAI) == []  # held for the digest
    assert digests.run_once(now).digests == 0 and smtp.received == []

    done = digests.run_once(first_slot + timedelta(minutes=1))
    assert done.digests == 2 and done.statuses == {"delivered": 1}  # inbox and e-mail
    [mail] = smtp.received
    assert mail.subject == "Daily digest: 3 new notifications"
    assert "- Tasks due today: 2\n- Overdue tasks: 1" in mail.text
    assert "Open Turvaverkko: http://127.0.0.1:8080/notifications" in mail.text
    [item] = told(client, settings, CAI)
    assert (item["kind"], item["title"]) == ("digest", "Daily digest: 3 new notifications")
    assert sorted(i["title"] for i in item["items"]) == [
        "A task is due today",
        "A task is due today",
        "A task is overdue",
    ]
    assert digests.run_once(first_slot + timedelta(minutes=2)).digests == 0

    # Held after the day's digest was made: it waits for the next day's, not a second one today.
    deliver(rules, task_event(EventType.TASK_DUE, CAI, PILOT))
    assert digests.run_once(first_slot + timedelta(minutes=3)).digests == 0
    assert len(smtp.received) == 1
    next_day = digests.run_once(first_slot + timedelta(days=1, minutes=1))
    assert next_day.digests == 2
    assert [m.subject for m in smtp.received][1] == "Daily digest: 1 new notification"
    assert len(told(client, settings, CAI)) == 2


@pytest.mark.usefixtures("people")
def test_preferences_decide_the_channels(
    client: FlaskClient,
    settings: Settings,
    engines: dict[str, Engine],
    rules: Consumer,
) -> None:
    for subject, choice in (
        (AINO, {"inbox": "immediate", "email": "off"}),
        (BO, {"inbox": "off", "email": "immediate"}),
        (CAI, {"inbox": "off", "email": "off"}),
    ):
        r = client.put(
            "/v1/notifications/preferences",
            json=choice,
            headers=bearer(settings, subject=subject) | {"If-Match": '"0"'},
        )
        assert r.status_code == 200, r.get_json()
    gone = {"email": "left@example.org", "role": "pilot_worker", "active": False}
    r = client.put("/v1/recipients/user-who-left", json=gone, headers=bearer(settings, "admin"))
    assert r.status_code == 201
    task = task_event(EventType.TASK_DUE, BO, PILOT)
    deliver(
        rules,
        task_event(EventType.TASK_DUE, AINO, PILOT),
        task,
        task_event(EventType.TASK_DUE, CAI, PILOT),
        task_event(EventType.TASK_DUE, "user-who-left", PILOT),
    )
    assert [i["kind"] for i in told(client, settings, AINO)] == ["task_due"]
    assert told(client, settings, BO) == [] and told(client, settings, CAI) == []
    assert told(client, settings, "user-who-left") == []  # an inactive entry: told nothing
    with engines["notifications"].connect() as db:
        emails = db.execute(sa.text("SELECT recipient, link FROM delivery")).all()
    # Without an inbox item to link to, the e-mail links to the user's tasks due today — not to
    # the task, whose id (and its case's) would pass through mail servers.
    assert [tuple(e) for e in emails] == [(BO, "/tasks?assigned=me&due=today")]
    assert task.data["case_id"] not in emails[0].link and task.data["task_id"] not in emails[0].link


def test_a_hanging_mail_server_holds_back_neither_the_queue_nor_the_webhooks(
    client: FlaskClient,
    settings: Settings,
    engines: dict[str, Engine],
    sender: Callable[..., Sender],
) -> None:
    register(client, settings, AINO, "pilot_worker", "fi", "aino.virtanen@example.org")
    silent, receiver = Silent(), WebhookReceiver()
    r = client.post(
        "/v1/webhooks",
        json={"organisation": "org-lead", "url": receiver.url, "event_types": ["task.due"]},
        headers=bearer(settings, "admin"),
    )
    assert r.status_code == 201, r.get_json()
    topology.declare(settings, [RULES_CONSUMER.queue])
    purge(settings, [RULES_CONSUMER.queue.name])
    sessions = make_session_factory(engines["notifications"])
    consumer = Consumer(settings, RULES_CONSUMER, lambda: UnitOfWork(sessions))
    pilot = pilot_published(PILOT, {AINO: "worker"})
    tasks: list[Envelope] = [task_event(EventType.TASK_DUE, AINO, PILOT) for _ in range(10)]
    working = sender(smtp_port=silent.port, smtp_timeout=30.0, sender_poll_interval=0.05)
    with (
        receiver,
        running(OutboxRelay(settings, engines["pilots"], "pilots")),
        running(consumer),
        running(working),
        silent,
    ):
        write_events(engines["pilots"], [pilot])
        wait_until(lambda: processed(engines["notifications"], [pilot.id]), 10, "the pilot")
        write_events(engines["pilots"], tasks)
        wait_until(
            lambda: processed(engines["notifications"], [t.id for t in tasks]), 10, "the queue"
        )
        wait_until(lambda: len(receiver.requests) == 10, 10, "the webhooks")
        # the sender is (or is about to be) waiting for the mail server's greeting
        wait_until(lambda: silent.connections > 0, 10, "the sender at the mail server")
        assert len(told(client, settings, AINO)) == 10
        with engines["notifications"].connect() as db:
            waiting = db.execute(
                sa.text(
                    "SELECT count(*) FROM delivery WHERE channel = 'email' AND status = 'pending'"
                )
            ).scalar()
        assert waiting == 10  # the e-mails wait for the mail server; nothing else does


# --- the directory as it is when sending -------------------------------------------------------


def deliveries_of(engine: Engine, destination: str) -> list[Any]:
    with engine.connect() as db:
        return list(
            db.execute(
                sa.text(
                    "SELECT id, channel, status, attempts, address, last_error FROM delivery "
                    "WHERE destination = :destination ORDER BY channel, id"
                ),
                {"destination": destination},
            )
        )


@pytest.mark.usefixtures("people")
def test_a_queued_email_goes_to_the_address_the_directory_has_when_it_is_sent(
    client: FlaskClient,
    settings: Settings,
    engines: dict[str, Engine],
    rules: Consumer,
    smtp: SmtpServer,
    sender: Callable[..., Sender],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Two e-mails wait for a retry; meanwhile an admin corrects one user's address and
    deactivates the other: the retry goes to the corrected address, and the other is cancelled,
    not sent — now or later."""
    caplog.set_level(logging.INFO)
    deliver(
        rules,
        task_event(EventType.TASK_DUE, AINO, PILOT),
        task_event(EventType.TASK_DUE, BO, PILOT),
    )
    smtp.handler.data_replies += ["451 4.3.0 Try again later"] * 2
    mailing = sender(smtp_port=smtp.port)
    now = datetime.now(HELSINKI)
    assert mailing.run_once(now).statuses == {"pending": 2}

    admin = bearer(settings, "admin") | {"If-Match": '"1"'}
    corrected = {"role": "pilot_worker", "language": "fi", "email": "aino.korjattu@example.org"}
    assert client.put(f"/v1/recipients/{AINO}", json=corrected, headers=admin).status_code == 200
    left = {"role": "pilot_worker", "language": "sv", "email": "bo.lindqvist@example.org"}
    r = client.put(f"/v1/recipients/{BO}", json=left | {"active": False}, headers=admin)
    assert r.status_code == 200

    done = mailing.run_once(now + timedelta(hours=1))
    assert done.statuses == {"delivered": 1, "cancelled": 1}
    [mail] = smtp.received
    assert mail.rcpt_tos == ["aino.korjattu@example.org"]
    assert mail.message["To"] == "aino.korjattu@example.org"
    assert mailing.run_once(now + timedelta(days=1)).claimed == 0

    [aino] = deliveries_of(engines["notifications"], AINO)
    assert (aino.status, aino.attempts, aino.address) == (
        "delivered",
        2,
        "aino.korjattu@example.org",
    )
    [bo] = deliveries_of(engines["notifications"], BO)
    assert (bo.status, bo.attempts, bo.last_error) == ("cancelled", 1, "RecipientInactive")
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("services."))
    assert f"delivery {bo.id} cancelled: RecipientInactive" in ours
    assert "bo.lindqvist" not in ours  # the log names no address


def test_the_digest_goes_to_the_directorys_address_and_none_is_made_for_who_has_left(
    client: FlaskClient,
    settings: Settings,
    engines: dict[str, Engine],
    rules: Consumer,
    smtp: SmtpServer,
    sender: Callable[..., Sender],
) -> None:
    register(client, settings, CAI, "pilot_lead", "en", "cai.smith@example.org")
    register(client, settings, BO, "pilot_worker", "sv", "bo.lindqvist@example.org")
    choice = {"inbox": "digest", "email": "digest", "language": None}
    for subject in (CAI, BO):
        r = client.put(
            "/v1/notifications/preferences",
            json=choice,
            headers=bearer(settings, subject=subject) | {"If-Match": '"0"'},
        )
        assert r.status_code == 200, r.get_json()
    now = datetime.now(HELSINKI)
    digests = sender(smtp_port=smtp.port, notifications_digest_hour=(now.hour + 2) % 24)
    slot = (now + timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    deliver(
        rules,
        pilot_published(PILOT, {CAI: "lead", BO: "worker"}),
        task_event(EventType.TASK_DUE, CAI, PILOT),
        task_event(EventType.TASK_DUE, BO, PILOT),
    )
    assert digests.run_once(now).digests == 0  # held for the digest

    admin = bearer(settings, "admin") | {"If-Match": '"1"'}
    moved = {"role": "pilot_lead", "language": "en", "email": "cai.smith@example.net"}
    assert client.put(f"/v1/recipients/{CAI}", json=moved, headers=admin).status_code == 200
    left = {"role": "pilot_worker", "language": "sv", "active": False}
    assert client.put(f"/v1/recipients/{BO}", json=left, headers=admin).status_code == 200

    done = digests.run_once(slot + timedelta(minutes=1))
    assert done.digests == 2 and done.statuses == {"delivered": 1}  # Cai's inbox and e-mail
    [mail] = smtp.received
    assert mail.rcpt_tos == ["cai.smith@example.net"]
    assert mail.subject == "Daily digest: 1 new notification"
    assert [i["kind"] for i in told(client, settings, CAI)] == ["digest"]
    assert told(client, settings, BO) == []
    assert [
        (d.channel, d.status, d.last_error) for d in deliveries_of(engines["notifications"], BO)
    ] == [
        ("email", "cancelled", "RecipientInactive"),
        ("inbox", "cancelled", "RecipientInactive"),
    ]


def test_an_organisations_contact_is_emailed_at_the_address_it_has_when_the_email_is_sent(
    client: FlaskClient,
    settings: Settings,
    engines: dict[str, Engine],
    rules: Consumer,
    smtp: SmtpServer,
    sender: Callable[..., Sender],
) -> None:
    """The contact replaced after the import's e-mail was queued gets it; an organisation whose
    contact is gone gets none."""
    admin = bearer(settings, "admin")
    for organisation, address in (
        ("org-pirha", "vanha@example.org"),
        ("org-kysy", "k@example.org"),
    ):
        r = client.put(
            f"/v1/organisations/{organisation}/contact",
            json={"email": address, "language": "sv"},
            headers=admin,
        )
        assert r.status_code == 201, r.get_json()
    deliver(rules, import_finished("org-pirha"), import_finished("org-kysy"))
    r = client.put(
        "/v1/organisations/org-pirha/contact",
        json={"email": "uusi@example.org", "language": "sv"},
        headers=admin | {"If-Match": '"1"'},
    )
    assert r.status_code == 200, r.get_json()
    with engines["notifications"].begin() as db:
        db.execute(sa.text("DELETE FROM organisation_contact WHERE organisation = 'org-kysy'"))

    done = sender(smtp_port=smtp.port).run_once()
    assert done.statuses == {"delivered": 1, "cancelled": 1}
    [mail] = smtp.received
    assert mail.rcpt_tos == ["uusi@example.org"] and mail.subject == "Importen är klar"
    [gone] = deliveries_of(engines["notifications"], "contact:org-kysy")
    assert (gone.status, gone.last_error) == ("cancelled", "ContactGone")
