"""Intake keeps its own copy of the pilots' reference data from events: through the real broker,
idempotent for duplicates and indifferent to order (an older version never wins)."""

from __future__ import annotations

import pika
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from services.intake.consumers import REFERENCE_DATA
from shared.config import Settings
from shared.db import UnitOfWork, make_session_factory
from shared.messaging import topology
from shared.messaging.consumer import Consumer, Outcome
from shared.messaging.envelope import Envelope
from shared.messaging.events import EventType
from shared.messaging.outbox import OutboxRelay, pending_count
from tests.support.probe import write_events
from tests.support.workers import running, wait_until


def _pilot(version: int, active: bool) -> Envelope:
    return Envelope.new(
        EventType.PILOT_PUBLISHED,
        "/turvaverkko/pilots",
        {
            "pilot_id": "pilot-ref-test",
            "active": active,
            "version": version,
            "starts_on": "2026-01-01",
        },
    )


def _publish_again(settings: Settings, event: Envelope) -> None:
    connection = pika.BlockingConnection(topology.connection_parameters(settings))
    channel = connection.channel()
    channel.confirm_delivery()
    channel.basic_publish(
        settings.events_exchange,
        event.type,
        event.to_json_bytes(),
        pika.BasicProperties(message_id=event.id, delivery_mode=2),
    )
    connection.close()


def test_reference_data_arrives_through_the_broker_and_older_versions_never_overwrite(
    settings: Settings, engines: dict[str, Engine]
) -> None:
    intake, pilots = engines["intake"], engines["pilots"]  # pilots' outbox plays the publisher
    topology.declare(settings, [REFERENCE_DATA.queue])
    newest, older = _pilot(3, active=False), _pilot(2, active=True)
    activity = Envelope.new(
        EventType.ACTIVITY_PUBLISHED,
        "/turvaverkko/pilots",
        {
            "activity_id": "act-ref-test",
            "pilot_id": "pilot-ref-test",
            "activity_type": "sports",
            "version": 1,
        },
    )
    # newest first, then an older one, then the newest again (a duplicate)
    write_events(pilots, [newest, older, activity])
    _publish_again(settings, newest)  # as a relay re-sending after a crash would
    sessions = make_session_factory(intake)
    consumer = Consumer(settings, REFERENCE_DATA, lambda: UnitOfWork(sessions))
    with running(OutboxRelay(settings, pilots, "pilots")), running(consumer):
        wait_until(lambda: pending_count(pilots) == 0, 30, "publishing")
        wait_until(
            # The relay sends the two pilot versions as one CloudEvents batch: three messages.
            lambda: consumer.outcomes["duplicate"] == 1 and consumer.outcomes[Outcome.ACK] == 3,
            30,
            "all three messages",
        )
    with intake.connect() as connection:
        pilot = connection.execute(
            sa.text(
                "SELECT active, version, starts_on::text FROM pilot_ref WHERE id = 'pilot-ref-test'"
            )
        ).one()
        activity_row = connection.execute(
            sa.text("SELECT pilot_id, activity_type FROM activity_ref WHERE id = 'act-ref-test'")
        ).one()
    assert tuple(pilot) == (False, 3, "2026-01-01")
    assert tuple(activity_row) == ("pilot-ref-test", "sports")
