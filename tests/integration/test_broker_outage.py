"""After a broker outage the relay and the consumers are working again within seconds of the
broker answering, by themselves: the back-off between attempts is capped at
``RECONNECT_MAX_DELAY`` (3 s), not the half-minute it once grew to. The broker is taken away
through a TCP proxy; the machine's RabbitMQ is never touched."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from sqlalchemy.engine import Engine

from shared.config import Settings
from shared.messaging.consumer import ConsumerSpec
from shared.messaging.outbox import OutboxRelay, pending_count
from tests.integration.test_messaging import make_consumer
from tests.support.probe import effects, probe_event, write_events
from tests.support.tcp_proxy import TcpProxy
from tests.support.workers import running, wait_until

pytestmark = pytest.mark.integration

#: Long enough for the back-off to reach its cap several times over.
OUTAGE_SECONDS = 12.0
#: The goal: working again within 5 s of the broker answering (1 s more for a loaded machine).
RECOVERY_BOUND_SECONDS = 6.0


def test_relay_and_consumer_recover_within_seconds_of_the_broker_answering_again(
    settings: Settings,
    intake: Engine,
    notifications: Engine,
    new_probe: Callable[..., ConsumerSpec],
) -> None:
    spec = new_probe()
    amqp = urlsplit(settings.amqp_url)
    with TcpProxy(amqp.port or 5672, amqp.hostname or "127.0.0.1") as proxy:
        through = dataclasses.replace(
            settings,
            amqp_url=amqp._replace(
                netloc=f"{amqp.netloc.rsplit('@', 1)[0]}@127.0.0.1:{proxy.port}"
            ).geturl(),
            reconnect_max_delay=Settings().reconnect_max_delay,  # the production default
        )
        with (
            running(OutboxRelay(through, intake, "intake")) as relay,
            running(make_consumer(through, notifications, spec)) as consumer,
        ):
            write_events(intake, [probe_event(0)])
            wait_until(lambda: len(effects(notifications, spec.name)) == 1, 30, "the first effect")
            sessions = (relay.sessions_opened, consumer.sessions_opened)

            proxy.cut()
            # The outage itself: the workers retry against a broker that refuses them.
            threading.Event().wait(OUTAGE_SECONDS)
            ids = write_events(intake, [probe_event(n) for n in range(1, 6)])
            proxy.restore()
            answering = time.monotonic()

            wait_until(
                lambda: (
                    relay.sessions_opened > sessions[0] and consumer.sessions_opened > sessions[1]
                ),
                30,
                "both to reconnect",
            )
            reconnected = time.monotonic() - answering
            wait_until(lambda: pending_count(intake) == 0, 30, "the outbox to drain")
            wait_until(lambda: len(effects(notifications, spec.name)) == 6, 30, "every effect")
    print(f"reconnected {reconnected:.1f} s after the broker answered again")
    assert reconnected < RECOVERY_BOUND_SECONDS
    assert all(n == 1 for n in effects(notifications, spec.name).values()) and len(ids) == 5
