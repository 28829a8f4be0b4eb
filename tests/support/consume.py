"""Handing events to a consumer as the broker would — idempotency record and all — without a
broker, for tests of what a consumer does with them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shared.messaging.consumer import Consumer, Outcome
from shared.messaging.envelope import BATCH_CONTENT_TYPE, CONTENT_TYPE, Envelope, batch_body


@dataclass
class Properties:
    """The AMQP properties a consumer reads: the content type and the headers."""

    content_type: str = CONTENT_TYPE
    headers: dict[str, Any] = field(default_factory=dict)


def deliver(consumer: Consumer, *events: Envelope) -> list[Outcome]:
    """Each event as a message of its own."""
    return [consumer.handle(e.to_json_bytes(), Properties()) for e in events]


def deliver_batch(consumer: Consumer, events: list[Envelope]) -> Outcome:
    """The events as one CloudEvents batch message."""
    body = batch_body([e.to_json_bytes() for e in events])
    return consumer.handle(body, Properties(BATCH_CONTENT_TYPE))
