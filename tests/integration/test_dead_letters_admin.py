"""Dead letters for admins, through the real RabbitMQ: a message a consumer keeps failing on is
dead-lettered by the broker, the watcher records it (metadata only, never data), and an admin
lists it, replays it — the consumer then handles it once — or discards it; every action is in
the append-only audit log, and nobody but an admin gets in.

Also: a second replay, and two admins replaying at once, are refused clearly; a message replayed
and dead-lettered again waits again; a dead-letter queue with a thousand other messages keeps
each of them once through its browses; a message no longer in its dead-letter queue is not "replayed";
the broker away is a 503 that moved nothing.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pika
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from services.notifications.adapters.dead_letter_queues import REPLAY_HEADER, DeadLetterQueues
from services.notifications.app import create_app
from services.notifications.consumers.dead_letters import DEAD_LETTERS, DeadLetterWatcher
from services.notifications.domain.rules import RULES, link
from shared.config import Settings
from shared.db import UnitOfWork, make_session_factory
from shared.messaging import topology
from shared.messaging.consumer import Consumer, ConsumerSpec
from shared.messaging.envelope import CONTENT_TYPE, Envelope
from shared.messaging.events import EventType
from tests.support.api import assert_problem, bearer
from tests.support.consume import Properties
from tests.support.notifications import loopback_allowed, purge
from tests.support.probe import effects, probe_effect, probe_event
from tests.support.workers import running, wait_until

pytestmark = pytest.mark.integration

#: What a message's data carries that must never appear in what admins are shown.
MARKER = "data-that-must-not-show-9f3c"


@dataclass
class Probe:
    """A consumer that fails on every message until ``cured`` is set, and the watcher."""

    spec: ConsumerSpec
    cured: threading.Event
    consumer: Consumer
    watcher: DeadLetterWatcher

    @property
    def queue(self) -> str:
        return self.spec.queue.name

    @property
    def dead_letter_queue(self) -> str:
        return self.spec.queue.dead_letter_queue


def _channel(settings: Settings) -> tuple[pika.BlockingConnection, Any]:
    connection = pika.BlockingConnection(topology.connection_parameters(settings))
    channel = connection.channel()
    channel.confirm_delivery()
    return connection, channel


def depth(settings: Settings, queue: str) -> int:
    connection, channel = _channel(settings)
    try:
        return int(channel.queue_declare(queue, passive=True).method.message_count)
    finally:
        connection.close()


def send(settings: Settings, queue: str, *bodies: bytes) -> None:
    """Messages straight into a queue (the default exchange), as the relay would publish them."""
    connection, channel = _channel(settings)
    try:
        for body in bodies:
            channel.basic_publish(
                "", queue, body, pika.BasicProperties(content_type=CONTENT_TYPE, delivery_mode=2)
            )
    finally:
        connection.close()


def drain(settings: Settings, queue: str) -> list[bytes]:
    """Every message's body, taken off the queue."""
    connection, channel = _channel(settings)
    bodies = []
    try:
        while True:
            method, _properties, body = channel.basic_get(queue, auto_ack=True)
            if method is None:
                return bodies
            bodies.append(body)
    finally:
        connection.close()


def poison(seq: int) -> Envelope:
    return probe_event(seq, note=MARKER)


@pytest.fixture
def probe(settings: Settings, notifications: Engine) -> Iterator[Probe]:
    name = f"dl-admin-{uuid.uuid4().hex[:8]}"
    cured = threading.Event()

    def handle(event: Envelope, uow: UnitOfWork) -> None:
        if not cured.is_set():
            raise RuntimeError("this consumer cannot handle it yet")
        uow.session.execute(probe_effect.insert().values(consumer=name, event_id=event.id))

    spec = ConsumerSpec("notifications", name, {EventType.PLATFORM_PROBE.value: handle})
    topology.declare(settings, [spec.queue])
    sessions = make_session_factory(notifications)
    consumer = Consumer(settings, spec, lambda: UnitOfWork(sessions))
    watcher = DeadLetterWatcher(settings, lambda: UnitOfWork(sessions), [spec.queue.name])
    purge(settings, [DEAD_LETTERS.queue.name])  # no copy left over from another test
    with running(watcher), running(consumer):
        yield Probe(spec, cured, consumer, watcher)
    connection, channel = _channel(settings)
    for queue in (spec.queue.name, spec.queue.dead_letter_queue):
        channel.queue_delete(queue)
    connection.close()
    purge(settings, [DEAD_LETTERS.queue.name])


@pytest.fixture
def client(notifications_client: FlaskClient) -> FlaskClient:
    return notifications_client


def admin(settings: Settings, subject: str = "admin-aila") -> dict[str, str]:
    return bearer(settings, "admin", subject=subject)


def listed(client: FlaskClient, settings: Settings, query: str) -> list[dict[str, Any]]:
    r = client.get(f"/v1/dead-letters?{query}", headers=admin(settings))
    assert r.status_code == 200, r.get_json()
    return list(r.get_json()["items"])


def dead_lettered(client: FlaskClient, settings: Settings, probe: Probe, n: int = 1) -> list[Any]:
    """Wait until ``n`` dead letters of the probe's queue wait; them, newest first."""
    query = f"queue={probe.queue}&state=waiting"
    wait_until(lambda: len(listed(client, settings, query)) == n, 60, "the dead letters")
    wait_until(lambda: depth(settings, probe.dead_letter_queue) >= n, 30, "DLQ")
    return listed(client, settings, query)


def audit(engine: Engine, dead_letter_id: int) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT subject, role, action, dead_letter_id, queue, outcome, at "
                "FROM audit_entry WHERE dead_letter_id = :id ORDER BY id"
            ),
            {"id": dead_letter_id},
        ).mappings()
        return [dict(r) for r in rows]


def test_a_rejected_message_is_listed_without_data_replayed_handled_once_and_audited(
    client: FlaskClient, settings: Settings, engines: dict[str, Engine], probe: Probe
) -> None:
    event = poison(1)
    send(settings, probe.queue, event.to_json_bytes())
    [letter] = dead_lettered(client, settings, probe)

    assert letter["event_types"] == [EventType.PLATFORM_PROBE.value]
    assert letter["event_ids"] == [event.id] and letter["event_count"] == 1
    assert letter["reason"] == "delivery_limit" and letter["death_count"] == 1
    assert letter["state"] == "waiting" and letter["replays"] == 0
    assert letter["first_dead_at"] and letter["last_dead_at"]
    assert "data" not in letter and "message_key" not in letter
    everything = client.get("/v1/dead-letters", headers=admin(settings)).get_data(as_text=True)
    assert MARKER not in everything
    with engines["notifications"].connect() as connection:
        stored = json.dumps(
            [dict(r) for r in connection.execute(sa.text("SELECT * FROM dead_letter")).mappings()],
            default=str,
        )
    assert MARKER not in stored

    # The admins' notification links to the list filtered by the same parameter.
    path = link(RULES[EventType.MESSAGE_DEAD_LETTERED], {"queue": probe.queue})
    assert urlsplit(path).path == "/admin/dead-letters"
    query = parse_qs(urlsplit(path).query)
    assert query == {"queue": [probe.queue]}
    r = client.get("/v1/dead-letters", query_string=query, headers=admin(settings))
    assert [item["id"] for item in r.get_json()["items"]] == [letter["id"]]

    r = client.get("/v1/dead-letters/queues", headers=admin(settings))
    assert r.status_code == 200
    [summary] = [q for q in r.get_json() if q["queue"] == probe.queue]
    assert (summary["waiting"], summary["replayed"], summary["messages"]) == (1, 0, 1)

    probe.cured.set()  # the consumer's bug is fixed
    r = client.post(f"/v1/dead-letters/{letter['id']}/replay", headers=admin(settings))
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["state"] == "replayed" and r.get_json()["replays"] == 1
    assert r.get_json()["handled_by"] == "admin-aila"
    wait_until(lambda: effects(engines["notifications"], probe.spec.name) != {}, 30, "the effect")
    wait_until(lambda: depth(settings, probe.queue) == 0, 30, "the queue to drain")
    assert depth(settings, probe.dead_letter_queue) == 0
    assert effects(engines["notifications"], probe.spec.name) == {event.id: 1}

    again = assert_problem(
        client.post(f"/v1/dead-letters/{letter['id']}/replay", headers=admin(settings)), 409
    )
    assert "replayed already" in again["detail"]
    assert effects(engines["notifications"], probe.spec.name) == {event.id: 1}

    [entry] = audit(engines["notifications"], letter["id"])
    assert entry["subject"] == "admin-aila" and entry["role"] == "admin"
    assert (entry["action"], entry["queue"], entry["outcome"]) == ("replay", probe.queue, "moved")
    assert entry["at"] is not None
    with (
        pytest.raises(sa.exc.DBAPIError, match="append-only"),
        engines["notifications"].begin() as connection,
    ):
        connection.execute(sa.text("DELETE FROM audit_entry"))


def test_discard_takes_the_message_out_for_good_and_is_audited(
    client: FlaskClient, settings: Settings, engines: dict[str, Engine], probe: Probe
) -> None:
    event = poison(2)
    send(settings, probe.queue, event.to_json_bytes())
    [letter] = dead_lettered(client, settings, probe)

    r = client.post(f"/v1/dead-letters/{letter['id']}/discard", headers=admin(settings))
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["state"] == "discarded"
    assert depth(settings, probe.dead_letter_queue) == 0
    assert listed(client, settings, f"queue={probe.queue}&state=discarded")[0]["id"] == letter["id"]
    assert listed(client, settings, f"queue={probe.queue}&state=waiting") == []

    body = assert_problem(
        client.post(f"/v1/dead-letters/{letter['id']}/replay", headers=admin(settings)), 409
    )
    assert "discarded" in body["detail"]
    assert [e["action"] for e in audit(engines["notifications"], letter["id"])] == ["discard"]
    assert audit(engines["notifications"], letter["id"])[0]["outcome"] == "removed"
    probe.cured.set()
    assert effects(engines["notifications"], probe.spec.name) == {}


def test_nobody_but_an_admin_lists_replays_or_discards(
    client: FlaskClient, settings: Settings, probe: Probe
) -> None:
    send(settings, probe.queue, poison(3).to_json_bytes())
    [letter] = dead_lettered(client, settings, probe)
    calls = [
        ("GET", "/v1/dead-letters"),
        ("GET", "/v1/dead-letters/queues"),
        ("POST", f"/v1/dead-letters/{letter['id']}/replay"),
        ("POST", f"/v1/dead-letters/replay?queue={probe.queue}"),
        ("POST", f"/v1/dead-letters/{letter['id']}/discard"),
    ]
    for role in ("coordinator", "pilot_lead", "pilot_worker", "integration"):
        for method, path in calls:
            r = client.open(path, method=method, headers=bearer(settings, role))
            assert_problem(r, 403)
    assert listed(client, settings, f"queue={probe.queue}")[0]["state"] == "waiting"
    assert depth(settings, probe.dead_letter_queue) == 1


def test_a_replayed_message_that_fails_again_waits_again_and_is_announced_again(
    client: FlaskClient, settings: Settings, engines: dict[str, Engine], probe: Probe
) -> None:
    send(settings, probe.queue, poison(4).to_json_bytes())
    [letter] = dead_lettered(client, settings, probe)
    r = client.post(f"/v1/dead-letters/{letter['id']}/replay", headers=admin(settings))
    assert r.status_code == 200, r.get_json()

    # Not cured: it fails again up to the limit and is dead-lettered a second time.
    def died_again() -> bool:
        [row] = listed(client, settings, f"queue={probe.queue}")
        return bool(row["death_count"] == 2)

    wait_until(died_again, 60, "the second death")
    [row] = listed(client, settings, f"queue={probe.queue}")
    assert (row["id"], row["state"], row["replays"]) == (letter["id"], "waiting", 1)
    with engines["notifications"].connect() as connection:
        announced = connection.execute(
            sa.text(
                "SELECT count(*) FROM outbox WHERE event_type = 'message.dead_lettered' "
                "AND position(:queue in convert_from(payload, 'UTF8')) > 0"
            ),
            {"queue": probe.queue},
        ).scalar_one()
    assert announced == 2
    probe.cured.set()
    r = client.post(f"/v1/dead-letters/{letter['id']}/replay", headers=admin(settings))
    assert r.status_code == 200 and r.get_json()["replays"] == 2
    wait_until(lambda: effects(engines["notifications"], probe.spec.name) != {}, 30, "the effect")
    assert list(effects(engines["notifications"], probe.spec.name).values()) == [1]


def test_two_admins_replaying_the_same_message_at_once_move_it_once(
    notifications_app: Flask, settings: Settings, engines: dict[str, Engine], probe: Probe
) -> None:
    client = notifications_app.test_client()
    event = poison(5)
    send(settings, probe.queue, event.to_json_bytes())
    [letter] = dead_lettered(client, settings, probe)
    probe.cured.set()
    start = threading.Barrier(2)

    def replay(subject: str) -> tuple[int, Any]:
        start.wait()
        r = notifications_app.test_client().post(
            f"/v1/dead-letters/{letter['id']}/replay", headers=admin(settings, subject)
        )
        return r.status_code, r.get_json()

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(replay, ["admin-aila", "admin-bror"]))
    assert sorted(status for status, _ in answers) == [200, 409], answers
    [refused] = [body for status, body in answers if status == 409]
    assert "replayed already" in refused["detail"]
    wait_until(lambda: effects(engines["notifications"], probe.spec.name) != {}, 30, "the effect")
    wait_until(lambda: depth(settings, probe.queue) == 0, 30, "the queue to drain")
    assert effects(engines["notifications"], probe.spec.name) == {event.id: 1}
    assert len(audit(engines["notifications"], letter["id"])) == 1


def test_two_admins_replaying_two_messages_of_one_queue_at_once_both_find_theirs(
    notifications_app: Flask, settings: Settings, engines: dict[str, Engine], probe: Probe
) -> None:
    """A browse holds the messages it passes; the other admin's waits for it to end instead of
    missing its message."""
    send(settings, probe.dead_letter_queue, *(f"filler-{n}".encode() for n in range(300)))
    events = [poison(40), poison(41)]
    send(settings, probe.queue, *(e.to_json_bytes() for e in events))
    letters = dead_lettered(notifications_app.test_client(), settings, probe, n=2)
    probe.cured.set()
    start = threading.Barrier(2)

    def replay(item: dict[str, Any]) -> tuple[int, Any]:
        start.wait()
        r = notifications_app.test_client().post(
            f"/v1/dead-letters/{item['id']}/replay", headers=admin(settings)
        )
        return r.status_code, r.get_json()

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(replay, letters))
    assert [status for status, _ in answers] == [200, 200], answers
    wait_until(lambda: len(effects(engines["notifications"], probe.spec.name)) == 2, 30, "both")
    assert effects(engines["notifications"], probe.spec.name) == {e.id: 1 for e in events}
    assert depth(settings, probe.dead_letter_queue) == 300


def test_replays_among_a_thousand_other_messages_leave_each_of_them_once_and_move_only_waiting(
    client: FlaskClient, settings: Settings, engines: dict[str, Engine], probe: Probe
) -> None:
    """Messages with no dead letter (from before the watcher recorded them) stay, each once,
    however often the queue is browsed."""
    fillers = [f"filler-{n}".encode() for n in range(1000)]
    send(settings, probe.dead_letter_queue, *fillers)
    events = [poison(10 + n) for n in range(3)]
    send(settings, probe.queue, *(e.to_json_bytes() for e in events))
    letters = dead_lettered(client, settings, probe, n=3)
    assert depth(settings, probe.dead_letter_queue) == 1003
    probe.cured.set()

    last = next(item for item in letters if item["event_ids"] == [events[-1].id])
    r = client.post(f"/v1/dead-letters/{last['id']}/replay", headers=admin(settings))
    assert r.status_code == 200, r.get_json()

    r = client.post(f"/v1/dead-letters/replay?queue={probe.queue}", headers=admin(settings))
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == {"queue": probe.queue, "replayed": 2, "still_waiting": 0}
    wait_until(lambda: len(effects(engines["notifications"], probe.spec.name)) == 3, 30, "all")
    assert effects(engines["notifications"], probe.spec.name) == {e.id: 1 for e in events}
    assert listed(client, settings, f"queue={probe.queue}&state=waiting") == []
    actions = [a for item in letters for a in audit(engines["notifications"], item["id"])]
    assert sorted(a["action"] for a in actions) == ["replay", "replay_all", "replay_all"]

    left = drain(settings, probe.dead_letter_queue)
    assert sorted(left) == sorted(fillers), "every other message, once"

    # Nothing waits any more: a second replay of all moves nothing.
    r = client.post(f"/v1/dead-letters/replay?queue={probe.queue}", headers=admin(settings))
    assert r.get_json() == {"queue": probe.queue, "replayed": 0, "still_waiting": 0}


def test_a_browse_begun_right_after_another_sees_every_message_the_other_returned(
    settings: Settings, probe: Probe
) -> None:
    """A browse returns what it skipped by an unconfirmed basic.nack, which a quorum queue applies
    a moment later: a browse begun at once counted the queue short (4 of 20 back to back, 513 of
    1,000) and stopped before a dead letter it was asked to replay. Each browse now holds its
    lock until the queue has the messages back."""
    send(settings, probe.dead_letter_queue, *(f"held-{n}".encode() for n in range(1000)))
    queues = DeadLetterQueues(settings)
    seen = []
    for _ in range(20):
        with queues.browse(probe.queue) as browse:
            seen.append((browse.depth, sum(1 for _ in browse)))
    assert seen == [(1000, 1000)] * 20
    assert len(drain(settings, probe.dead_letter_queue)) == 1000


def test_a_message_no_longer_in_its_dead_letter_queue_is_not_replayed_and_can_be_closed(
    client: FlaskClient, settings: Settings, engines: dict[str, Engine], probe: Probe
) -> None:
    send(settings, probe.queue, poison(20).to_json_bytes())
    [letter] = dead_lettered(client, settings, probe)
    drain(settings, probe.dead_letter_queue)  # someone emptied it by hand

    body = assert_problem(
        client.post(f"/v1/dead-letters/{letter['id']}/replay", headers=admin(settings)), 409
    )
    assert "no longer in its queue's dead-letter queue" in body["detail"]
    assert listed(client, settings, f"queue={probe.queue}")[0]["state"] == "waiting"
    assert audit(engines["notifications"], letter["id"]) == []

    r = client.post(f"/v1/dead-letters/{letter['id']}/discard", headers=admin(settings))
    assert r.status_code == 200 and r.get_json()["state"] == "discarded"
    [entry] = audit(engines["notifications"], letter["id"])
    assert (entry["action"], entry["outcome"]) == ("discard", "not_in_queue")


def test_unknown_dead_letters_and_bad_filters_are_refused_without_echo(
    client: FlaskClient, settings: Settings
) -> None:
    assert_problem(client.post("/v1/dead-letters/987654321/replay", headers=admin(settings)), 404)
    assert_problem(client.post("/v1/dead-letters/987654321/discard", headers=admin(settings)), 404)
    bad = "<script>bad queue"
    r = client.get(
        "/v1/dead-letters", query_string={"queue": bad, "state": "lost"}, headers=admin(settings)
    )
    body = assert_problem(r, 422)
    assert {e["parameter"] for e in body["errors"]} == {"queue", "state"}
    assert bad not in r.get_data(as_text=True)
    body = assert_problem(client.post("/v1/dead-letters/replay", headers=admin(settings)), 422)
    assert [e["parameter"] for e in body["errors"]] == ["queue"]


def test_the_broker_away_is_a_503_that_moved_nothing(
    settings: Settings, engines: dict[str, Engine], notifications_app: Flask, probe: Probe
) -> None:
    client = notifications_app.test_client()
    send(settings, probe.queue, poison(30).to_json_bytes())
    [letter] = dead_lettered(client, settings, probe)
    away = dataclasses.replace(
        loopback_allowed(settings), amqp_url="amqp://guest:guest@127.0.0.1:1/%2F"
    )
    app = create_app(away)
    try:
        r = app.test_client().post(
            f"/v1/dead-letters/{letter['id']}/replay", headers=admin(settings)
        )
        body = assert_problem(r, 503)
        assert r.headers["Retry-After"] and "nothing was moved" in body["detail"]
        r = app.test_client().get("/v1/dead-letters/queues", headers=admin(settings))
        assert r.status_code == 200
        [summary] = [q for q in r.get_json() if q["queue"] == probe.queue]
        assert summary["messages"] is None and summary["waiting"] == 1
    finally:
        app.extensions["turvaverkko"].engine.dispose()
    assert depth(settings, probe.dead_letter_queue) == 1
    assert listed(client, settings, f"queue={probe.queue}")[0]["state"] == "waiting"
    assert audit(engines["notifications"], letter["id"]) == []


def test_the_watcher_counts_each_death_once_and_records_a_dead_lettered_announcement_quietly(
    settings: Settings, engines: dict[str, Engine], notifications_app: Flask
) -> None:
    """A copy delivered twice is one death; a replayed message's death is a new one even when
    the broker did not keep ``x-death``'s count; a ``message.dead_lettered`` that died is
    recorded for the admins but not announced (no loop)."""
    engine = engines["notifications"]
    sessions = make_session_factory(engine)
    queue = "turvaverkko.notifications.rules"
    watcher = DeadLetterWatcher(settings, lambda: UnitOfWork(sessions), [queue])
    body = Envelope.new(EventType.TASK_DUE, "/turvaverkko/pilots", {"task_id": "t"}).to_json_bytes()
    death = {"x-death": [{"queue": queue, "reason": "rejected", "count": 1}]}
    for _ in range(2):
        watcher.handle(body, Properties(CONTENT_TYPE, death))
    replayed = death | {REPLAY_HEADER: 1}
    watcher.handle(body, Properties(CONTENT_TYPE, replayed))
    loop = Envelope.new(EventType.MESSAGE_DEAD_LETTERED, "/turvaverkko/notifications", {})
    watcher.handle(loop.to_json_bytes(), Properties(CONTENT_TYPE, death))

    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT event_types, death_count, state FROM dead_letter ORDER BY id")
        ).all()
        announced = connection.execute(
            sa.text("SELECT count(*) FROM outbox WHERE event_type = 'message.dead_lettered'")
        ).scalar_one()
    assert [tuple(r) for r in rows] == [
        ([EventType.TASK_DUE.value], 2, "waiting"),
        ([EventType.MESSAGE_DEAD_LETTERED.value], 1, "waiting"),
    ]
    assert announced == 2
    assert watcher.outcomes["duplicate"] == 1
