"""The broker topology: one durable topic exchange for domain events; per consumer a quorum queue
with an explicit delivery limit and at-least-once dead-lettering into its own dead-letter queue.

RabbitMQ 3.10 has no default delivery limit for quorum queues, so it is always set. At-least-once
dead-lettering requires ``x-overflow: reject-publish``; a full queue then refuses new publishes
(the relay's confirm is a nack and the outbox row stays unsent) instead of dropping old messages.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingChannel

from shared.config import Settings


@dataclass(frozen=True)
class QueueSpec:
    """A consumer's queue: ``turvaverkko.<service>.<consumer>`` bound to the event types it handles."""

    service: str
    consumer: str
    bindings: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"turvaverkko.{self.service}.{self.consumer}"

    @property
    def dead_letter_queue(self) -> str:
        return f"{self.name}.dead-letter"


def consumer_queue_arguments(settings: Settings, spec: QueueSpec) -> dict[str, Any]:
    return {
        "x-queue-type": "quorum",
        "x-delivery-limit": settings.delivery_limit,
        "x-dead-letter-exchange": settings.dead_letter_exchange,
        "x-dead-letter-routing-key": spec.name,
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
        "x-max-length": settings.queue_max_length,
    }


def declare_events_exchange(channel: BlockingChannel, settings: Settings) -> None:
    channel.exchange_declare(settings.events_exchange, exchange_type="topic", durable=True)


def declare_consumer_queue(channel: BlockingChannel, settings: Settings, spec: QueueSpec) -> None:
    """Declare (idempotently) the exchanges, the queue, its dead-letter queue and the bindings."""
    declare_events_exchange(channel, settings)
    channel.exchange_declare(settings.dead_letter_exchange, exchange_type="direct", durable=True)
    channel.queue_declare(
        spec.dead_letter_queue, durable=True, arguments={"x-queue-type": "quorum"}
    )
    channel.queue_bind(spec.dead_letter_queue, settings.dead_letter_exchange, routing_key=spec.name)
    channel.queue_declare(
        spec.name, durable=True, arguments=consumer_queue_arguments(settings, spec)
    )
    for routing_key in spec.bindings:
        channel.queue_bind(spec.name, settings.events_exchange, routing_key=routing_key)


def connection_parameters(settings: Settings, **overrides: Any) -> pika.URLParameters:
    """Parameters for one connection; the URL may carry ``heartbeat`` and other query options."""
    params = pika.URLParameters(settings.amqp_url)
    params.connection_attempts = 1
    params.socket_timeout = overrides.pop("socket_timeout", 5)
    params.blocked_connection_timeout = overrides.pop("blocked_connection_timeout", 60)
    for key, value in overrides.items():
        setattr(params, key, value)
    return params


def declare(settings: Settings, specs: list[QueueSpec] | tuple[QueueSpec, ...] = ()) -> None:
    """Declare the events exchange and the given consumer queues over a short-lived connection."""
    connection = pika.BlockingConnection(connection_parameters(settings))
    try:
        channel = connection.channel()
        declare_events_exchange(channel, settings)
        for spec in specs:
            declare_consumer_queue(channel, settings, spec)
    finally:
        if connection.is_open:
            connection.close()


def declare_dead_letter_watch(settings: Settings, queue: str, watched: Iterable[str]) -> None:
    """Declare a queue that gets a copy of every message dead-lettered from the ``watched``
    consumer queues: it is bound to the dead-letter exchange with each one's routing key (its
    name), beside that queue's own dead-letter queue, which keeps the original. Its delivery
    limit has no dead-letter exchange: a copy that cannot be handled is dropped, the original
    stays where it was."""
    connection = pika.BlockingConnection(connection_parameters(settings))
    try:
        channel = connection.channel()
        channel.exchange_declare(
            settings.dead_letter_exchange, exchange_type="direct", durable=True
        )
        channel.queue_declare(
            queue,
            durable=True,
            arguments={"x-queue-type": "quorum", "x-delivery-limit": settings.delivery_limit},
        )
        for name in watched:
            channel.queue_bind(queue, settings.dead_letter_exchange, routing_key=name)
    finally:
        if connection.is_open:
            connection.close()
