"""Events cross service boundaries exactly once in effect, through the real PostgreSQL and RabbitMQ,
also when processes die at the worst moment and when the broker drops every connection."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import threading
from collections.abc import Callable

import pika
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shared.config import Settings
from shared.db import UnitOfWork, make_session_factory
from shared.messaging import topology
from shared.messaging.consumer import Consumer, ConsumerSpec, Outcome
from shared.messaging.envelope import BATCH_CONTENT_TYPE, Envelope, batch_body, parse_batch
from shared.messaging.events import EventType
from shared.messaging.outbox import OutboxRelay, pending_count
from shared.messaging.schema import counts
from shared.observability import reset_request_id, set_request_id
from tests.conftest import ROOT, worker_environment
from tests.support.infrastructure import SessionInfrastructure
from tests.support.probe import (
    effects,
    probe_event,
    request_ids,
    write_events,
)
from tests.support.worker_process import CRASH_EXIT, application_name
from tests.support.workers import running, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("empty_outboxes")]


def make_consumer(settings: Settings, engine: Engine, spec: ConsumerSpec, **kw: object) -> Consumer:
    sessions = make_session_factory(engine)
    return Consumer(settings, spec, lambda: UnitOfWork(sessions), **kw)


def queue_depth(settings: Settings, queue: str) -> int:
    connection = pika.BlockingConnection(topology.connection_parameters(settings))
    try:
        return connection.channel().queue_declare(queue, passive=True).method.message_count
    finally:
        connection.close()


def one_per_message(settings: Settings) -> Settings:
    """Every event in a message of its own (no CloudEvents batches)."""
    return dataclasses.replace(settings, relay_events_per_message=1)


def drain_event_ids(settings: Settings, queue: str) -> list[str]:
    """Take every message off a queue; the ids of the events they carry, batched or not."""
    connection = pika.BlockingConnection(topology.connection_parameters(settings))
    channel = connection.channel()
    ids: list[str] = []
    try:
        while True:
            method, properties, body = channel.basic_get(queue, auto_ack=True)
            if method is None:
                return ids
            if properties.content_type == BATCH_CONTENT_TYPE:
                ids += [e.id for e in parse_batch(body)]  # type: ignore[union-attr]
            else:
                ids.append(Envelope.from_json_bytes(body).id)
    finally:
        connection.close()


def counters(engine: Engine, worker: str) -> dict[str, int]:
    with engine.connect() as connection:
        return {c: total for w, c, total in counts(connection) if w == worker}


def sessions_ended(engine: Engine, name: str) -> None:
    """Wait until no database session of the named application is left."""

    def none_left() -> bool:
        with engine.connect() as connection:
            return not connection.execute(
                sa.text("SELECT 1 FROM pg_stat_activity WHERE application_name = :name"),
                {"name": name},
            ).first()

    wait_until(none_left, 30, f"the sessions of {name} to end")


def run_process(settings: Settings, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tests.support.worker_process", *args],
        cwd=ROOT,
        env=worker_environment(settings),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_event_committed_in_intake_has_its_effect_in_notifications_exactly_once(
    settings: Settings,
    intake: Engine,
    notifications: Engine,
    new_probe: Callable[..., ConsumerSpec],
) -> None:
    spec = new_probe()
    token = set_request_id("req-from-the-http-request")  # as a request handler would have
    try:
        ids = write_events(intake, (probe_event(i) for i in range(50)))
    finally:
        reset_request_id(token)

    with (
        running(OutboxRelay(settings, intake, "intake")) as relay,
        running(make_consumer(settings, notifications, spec)),
    ):
        wait_until(lambda: len(effects(notifications, spec.name)) == 50, 30, "50 effects")
        wait_until(lambda: pending_count(intake) == 0, 10, "the outbox to be marked sent")

    assert effects(notifications, spec.name) == dict.fromkeys(ids, 1)
    assert relay.sent_total == 50
    assert request_ids(notifications, spec.name) == {"req-from-the-http-request"}


def test_rolled_back_unit_of_work_publishes_nothing(
    settings: Settings,
    intake: Engine,
    notifications: Engine,
    new_probe: Callable[..., ConsumerSpec],
) -> None:
    spec = new_probe()
    sessions = make_session_factory(intake)
    rolled_back = probe_event(1)
    with UnitOfWork(sessions) as uow:
        uow.publish(rolled_back)  # never committed
    failed = probe_event(2)
    with pytest.raises(RuntimeError), UnitOfWork(sessions) as uow:
        uow.publish(failed)
        raise RuntimeError("the change failed half way")
    assert pending_count(intake) == 0

    # A committed marker after them proves the pipe was flowing when they would have arrived.
    [marker] = write_events(intake, [probe_event(3)])
    with (
        running(OutboxRelay(settings, intake, "intake")),
        running(make_consumer(settings, notifications, spec)),
    ):
        wait_until(lambda: marker in effects(notifications, spec.name), 30, "the marker")
    assert set(effects(notifications, spec.name)) == {marker}
    assert queue_depth(settings, spec.queue.name) == 0


def test_relay_dying_after_publish_before_marking_sent_resends_and_effect_stays_single(
    settings: Settings,
    intake: Engine,
    notifications: Engine,
    new_probe: Callable[..., ConsumerSpec],
) -> None:
    spec = new_probe()
    relay_before = counters(intake, "intake.relay")
    ids = write_events(intake, (probe_event(i) for i in range(20)))  # one batched message

    crashed = run_process(settings, "relay", "intake", "--crash-after-confirm")
    assert crashed.returncode == CRASH_EXIT, crashed.stdout + crashed.stderr
    assert pending_count(intake) == 20, "confirmed but unmarked rows must stay in the outbox"
    assert queue_depth(settings, spec.queue.name) == 1, "the dead relay did publish them"

    with running(make_consumer(settings, notifications, spec)) as consumer:
        wait_until(lambda: len(effects(notifications, spec.name)) == 20, 30, "first effects")
        with running(OutboxRelay(settings, intake, "intake")):
            wait_until(lambda: pending_count(intake) == 0, 30, "the re-sent rows to be marked")
            wait_until(lambda: consumer.outcomes["duplicate"] == 20, 30, "the duplicates")

    assert effects(notifications, spec.name) == dict.fromkeys(ids, 1)
    # The re-sending shows: every event published twice, confirmed and marked once; the
    # consumer counted the second copies as duplicates.
    relay = counters(intake, "intake.relay")
    assert {name: relay[name] - relay_before.get(name, 0) for name in relay} == {
        "events_published": 40,
        "messages_published": 2,
        "events_confirmed": 20,
    }
    assert counters(notifications, f"notifications.{spec.name}") == {"duplicates": 20}


def test_consumer_dying_before_ack_gets_the_message_again_without_a_second_effect(
    settings: Settings,
    intake: Engine,
    notifications: Engine,
    new_probe: Callable[..., ConsumerSpec],
) -> None:
    spec = new_probe()
    ids = write_events(intake, (probe_event(i) for i in range(10)))
    with running(OutboxRelay(one_per_message(settings), intake, "intake")):
        wait_until(lambda: pending_count(intake) == 0, 30, "publishing")

    crashed = run_process(settings, "consumer", spec.name, "--crash-before-ack")
    assert crashed.returncode == CRASH_EXIT, crashed.stdout + crashed.stderr
    # Another handler thread may have sent its COMMIT just before the process died; the server
    # may still be applying it. Only once the dead process's sessions are over is what it
    # committed all there is (reading earlier made the duplicate count race: 3 == 1).
    sessions_ended(notifications, application_name("consumer", spec.name))
    applied_before_crash = effects(notifications, spec.name)
    assert applied_before_crash, "the dying consumer committed at least one effect"
    assert queue_depth(settings, spec.queue.name) == 10, "nothing was acknowledged"

    with running(make_consumer(settings, notifications, spec)) as consumer:
        wait_until(lambda: len(effects(notifications, spec.name)) == 10, 30, "all effects")
        wait_until(lambda: queue_depth(settings, spec.queue.name) == 0, 30, "all acks")

    assert effects(notifications, spec.name) == dict.fromkeys(ids, 1)
    assert consumer.outcomes["duplicate"] == len(applied_before_crash)


def test_closing_every_broker_connection_mid_stream_loses_nothing_and_duplicates_nothing(
    settings: Settings,
    infrastructure: SessionInfrastructure,
    intake: Engine,
    notifications: Engine,
    new_probe: Callable[..., ConsumerSpec],
) -> None:
    spec = new_probe()
    total = 3000
    ids: list[str] = []
    with (
        running(OutboxRelay(settings, intake, "intake")) as relay,
        running(make_consumer(settings, notifications, spec)) as consumer,
    ):
        for chunk in range(6):
            ids += write_events(intake, (probe_event(chunk * 500 + i) for i in range(500)))
            if chunk in (1, 3):
                seen = len(effects(notifications, spec.name))
                wait_until(lambda s=seen: len(effects(notifications, spec.name)) > s, 30, "flow")
                infrastructure.admin.close_all_connections(infrastructure.vhost)
        wait_until(lambda: len(effects(notifications, spec.name)) == total, 90, "every effect")
        wait_until(lambda: pending_count(intake) == 0, 30, "the outbox to drain")

    assert effects(notifications, spec.name) == dict.fromkeys(ids, 1)
    assert relay.sessions_opened >= 3, "the relay reconnected after each closure"
    assert consumer.sessions_opened >= 3, "the consumer reconnected after each closure"


def test_message_whose_handler_always_fails_is_dead_lettered_while_others_go_on(
    settings: Settings,
    intake: Engine,
    notifications: Engine,
    new_probe: Callable[..., ConsumerSpec],
) -> None:
    spec = new_probe()
    [poison] = write_events(intake, [probe_event(0, poison=True)])
    good = write_events(intake, (probe_event(i) for i in range(1, 21)))

    with (
        running(OutboxRelay(one_per_message(settings), intake, "intake")),
        running(make_consumer(settings, notifications, spec)) as consumer,
    ):
        wait_until(lambda: queue_depth(settings, spec.queue.dead_letter_queue) == 1, 60, "DLQ")
        wait_until(lambda: len(effects(notifications, spec.name)) == 20, 30, "the good ones")

    assert effects(notifications, spec.name) == dict.fromkeys(good, 1)
    assert consumer.outcomes[Outcome.RETRY] == settings.delivery_limit + 1
    connection = pika.BlockingConnection(topology.connection_parameters(settings))
    try:
        method, properties, _body = connection.channel().basic_get(
            spec.queue.dead_letter_queue, auto_ack=True
        )
    finally:
        connection.close()
    assert method is not None and properties.message_id == poison
    assert queue_depth(settings, spec.queue.name) == 0


def test_message_that_is_not_a_cloudevent_is_dead_lettered_at_once(
    settings: Settings, notifications: Engine, new_probe: Callable[..., ConsumerSpec]
) -> None:
    spec = new_probe()
    connection = pika.BlockingConnection(topology.connection_parameters(settings))
    channel = connection.channel()
    channel.confirm_delivery()
    channel.basic_publish(settings.events_exchange, EventType.PLATFORM_PROBE, b"{not json")
    channel.basic_publish(settings.events_exchange, EventType.PLATFORM_PROBE, b'{"id": "x"}')
    connection.close()

    with running(make_consumer(settings, notifications, spec)) as consumer:
        wait_until(lambda: queue_depth(settings, spec.queue.dead_letter_queue) == 2, 30, "DLQ")
    assert consumer.outcomes[Outcome.DEAD_LETTER] == 2
    assert consumer.outcomes[Outcome.RETRY] == 0


def test_full_queue_refuses_publishes_and_the_rows_wait_in_the_outbox_until_there_is_room(
    settings: Settings,
    intake: Engine,
    notifications: Engine,
    new_probe: Callable[..., ConsumerSpec],
) -> None:
    # The queue's limit counts messages: one event each here, so 2,000 events overflow it.
    small = dataclasses.replace(one_per_message(settings), queue_max_length=100)
    spec = new_probe(small)
    total = 2000
    ids = write_events(intake, (probe_event(i) for i in range(total)))

    def refused_rows_wait() -> bool:
        # A quorum queue enforces its length a little late, so it may hold more than 100.
        depth, pending = queue_depth(small, spec.queue.name), pending_count(intake)
        return pending > 0 and depth + pending == total

    with running(OutboxRelay(small, intake, "intake")):
        wait_until(refused_rows_wait, 30, "the full queue to refuse the rest")
        assert queue_depth(small, spec.queue.name) < total
        with running(make_consumer(small, notifications, spec)):
            wait_until(lambda: len(effects(notifications, spec.name)) == total, 60, "all effects")
            wait_until(lambda: pending_count(intake) == 0, 30, "the outbox to drain")
    assert effects(notifications, spec.name) == dict.fromkeys(ids, 1)


def test_two_relays_running_at_once_publish_each_row_once(
    settings: Settings, intake: Engine
) -> None:
    # A plain queue (no idempotent consumer) counts exactly what the relays published.
    counting_queue = f"tvtest.count.{threading.get_ident()}"
    connection = pika.BlockingConnection(topology.connection_parameters(settings))
    channel = connection.channel()
    topology.declare_events_exchange(channel, settings)
    channel.queue_declare(counting_queue, arguments={"x-queue-type": "quorum"}, durable=True)
    channel.queue_bind(counting_queue, settings.events_exchange, EventType.PLATFORM_PROBE)
    try:
        write_events(intake, (probe_event(i) for i in range(2000)))
        with (
            running(OutboxRelay(settings, intake, "intake")) as first,
            running(OutboxRelay(settings, intake, "intake")) as second,
        ):
            wait_until(lambda: pending_count(intake) == 0, 60, "both relays to drain")
        assert first.sent_total + second.sent_total == 2000
        published = drain_event_ids(settings, counting_queue)
        assert len(published) == 2000 and len(set(published)) == 2000
    finally:
        channel.queue_delete(counting_queue)
        connection.close()


def test_slow_handler_does_not_starve_heartbeats(
    settings: Settings,
    intake: Engine,
    notifications: Engine,
    new_probe: Callable[..., ConsumerSpec],
) -> None:
    spec = new_probe()
    # Heartbeat every second: a loop blocked for 4 s would miss several and be disconnected.
    [slow] = write_events(intake, [probe_event(0, hold_seconds=4)])
    with (
        running(OutboxRelay(settings, intake, "intake")),
        running(make_consumer(settings, notifications, spec, heartbeat=1)) as consumer,
    ):
        wait_until(lambda: slow in effects(notifications, spec.name), 30, "the slow effect")
        wait_until(lambda: queue_depth(settings, spec.queue.name) == 0, 10, "the ack")
    assert consumer.sessions_opened == 1, "the connection survived the slow handler"
    assert consumer.outcomes["duplicate"] == 0


def test_consumer_stops_on_sigterm_after_finishing_its_message(
    settings: Settings,
    intake: Engine,
    notifications: Engine,
    new_probe: Callable[..., ConsumerSpec],
) -> None:
    spec = new_probe()
    [slow] = write_events(intake, [probe_event(0, hold_seconds=2)])
    with running(OutboxRelay(settings, intake, "intake")):
        wait_until(lambda: pending_count(intake) == 0, 30, "publishing")

    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.worker_process", "consumer", spec.name],
        cwd=ROOT,
        env=worker_environment(settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # Ready count 0 means the consumer holds the message; its handler takes 2 s.
        wait_until(lambda: queue_depth(settings, spec.queue.name) == 0, 30, "the delivery")
        assert slow not in effects(notifications, spec.name), "SIGTERM must come mid-handler"
        process.terminate()
        output, _ = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, output
    assert effects(notifications, spec.name) == {slow: 1}
    assert queue_depth(settings, spec.queue.name) == 0, "the in-flight message was acknowledged"


def test_processed_event_record_is_per_consumer(
    settings: Settings,
    intake: Engine,
    notifications: Engine,
    new_probe: Callable[..., ConsumerSpec],
) -> None:
    """Two consumers of the same event each apply it once: the record is (consumer, event id)."""
    first, second = new_probe(), new_probe()
    [event] = write_events(intake, [probe_event(0)])
    with (
        running(OutboxRelay(settings, intake, "intake")),
        running(make_consumer(settings, notifications, first)),
        running(make_consumer(settings, notifications, second)),
    ):
        wait_until(
            lambda: (
                event in effects(notifications, first.name)
                and event in effects(notifications, second.name)
            ),
            30,
            "both effects",
        )
    with notifications.connect() as connection:
        records = (
            connection.execute(
                sa.text("SELECT consumer FROM processed_event WHERE event_id = :id"), {"id": event}
            )
            .scalars()
            .all()
        )
    assert sorted(records) == sorted(
        [f"notifications.{first.name}", f"notifications.{second.name}"]
    )


def test_relay_packs_events_of_a_type_into_cloudevents_batches_and_a_lone_event_goes_alone(
    settings: Settings, intake: Engine
) -> None:
    queue = f"tvtest.batches.{threading.get_ident()}"
    connection = pika.BlockingConnection(topology.connection_parameters(settings))
    channel = connection.channel()
    topology.declare_events_exchange(channel, settings)
    channel.queue_declare(queue, arguments={"x-queue-type": "quorum"}, durable=True)
    channel.queue_bind(queue, settings.events_exchange, EventType.PLATFORM_PROBE)
    try:
        ids = write_events(intake, (probe_event(i) for i in range(250)))
        with running(
            OutboxRelay(
                dataclasses.replace(settings, relay_events_per_message=100), intake, "intake"
            )
        ):
            wait_until(lambda: pending_count(intake) == 0, 30, "publishing")
        messages = []
        while (got := channel.basic_get(queue, auto_ack=True))[0] is not None:
            messages.append(got)
        assert [p.content_type for _, p, _ in messages] == [BATCH_CONTENT_TYPE] * 3
        batches = [parse_batch(body) for _, _, body in messages]
        assert [len(b) for b in batches] == [100, 100, 50]
        assert [e.id for b in batches for e in b] == ids  # type: ignore[union-attr]

        [alone] = write_events(intake, [probe_event(0)])
        with running(OutboxRelay(settings, intake, "intake")):
            wait_until(lambda: pending_count(intake) == 0, 30, "publishing")
        _method, properties, body = channel.basic_get(queue, auto_ack=True)
        assert properties.content_type == "application/cloudevents+json"
        assert properties.message_id == alone == Envelope.from_json_bytes(body).id
    finally:
        channel.queue_delete(queue)
        connection.close()


def test_batch_with_one_failing_event_applies_the_others_once_and_dead_letters_after_the_limit(
    settings: Settings,
    intake: Engine,
    notifications: Engine,
    new_probe: Callable[..., ConsumerSpec],
) -> None:
    spec = new_probe()
    events = [probe_event(i, poison=(i == 7)) for i in range(30)]
    write_events(intake, events)
    good = [e.id for e in events if not e.data.get("poison")]

    with (
        running(OutboxRelay(settings, intake, "intake")),
        running(make_consumer(settings, notifications, spec)) as consumer,
    ):
        wait_until(lambda: queue_depth(settings, spec.queue.dead_letter_queue) == 1, 60, "DLQ")

    # Every redelivery found the good events recorded: each had its effect exactly once.
    assert effects(notifications, spec.name) == dict.fromkeys(good, 1)
    assert consumer.outcomes[Outcome.RETRY] == settings.delivery_limit + 1
    assert consumer.outcomes["duplicate"] == 29 * settings.delivery_limit
    dead = drain_event_ids(settings, spec.queue.dead_letter_queue)
    assert sorted(dead) == sorted(e.id for e in events), "the whole batch, to inspect and replay"


def test_batch_holding_an_invalid_event_applies_the_valid_ones_and_is_dead_lettered_at_once(
    settings: Settings, notifications: Engine, new_probe: Callable[..., ConsumerSpec]
) -> None:
    spec = new_probe()
    valid = [probe_event(i) for i in range(3)]
    body = batch_body(
        [
            valid[0].to_json_bytes(),
            b'{"id": "broken"}',
            valid[1].to_json_bytes(),
            b"[]",
            valid[2].to_json_bytes(),
        ]
    )
    connection = pika.BlockingConnection(topology.connection_parameters(settings))
    channel = connection.channel()
    channel.confirm_delivery()
    batch = pika.BasicProperties(content_type=BATCH_CONTENT_TYPE, delivery_mode=2)
    channel.basic_publish(settings.events_exchange, EventType.PLATFORM_PROBE, body, batch)
    channel.basic_publish(settings.events_exchange, EventType.PLATFORM_PROBE, b'{"a": 1}', batch)
    connection.close()

    with running(make_consumer(settings, notifications, spec)) as consumer:
        wait_until(lambda: queue_depth(settings, spec.queue.dead_letter_queue) == 2, 30, "DLQ")
    assert effects(notifications, spec.name) == {e.id: 1 for e in valid}
    assert consumer.outcomes[Outcome.DEAD_LETTER] == 2
    assert consumer.outcomes[Outcome.RETRY] == 0
