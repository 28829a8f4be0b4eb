"""The dead-letter watcher: turns a message dead-lettered by any consumer into a
``message.dead_lettered`` event. Run it as its own process: ``turvaverkko worker notifications
dead-letters``.

Every consumer queue dead-letters into the one dead-letter exchange (direct), with its own queue
name as the routing key, where its ``<queue>.dead-letter`` queue keeps the message. This worker's
queue is bound to the same exchange with every consumer queue's name, so it receives a copy of
each dead-lettered message while the original stays in its dead-letter queue, visible and
replayable. The broker itself does the dead-lettering — after the delivery limit or at a
consumer's rejection — so no consumer needs to know, and a consumer that crashes on a message
until the limit is caught too.

For each copy it publishes, through the notifications outbox, a ``message.dead_lettered`` event
naming the queue, the reason, the original event type and ids (never their data); the
notifications rules then tell the admins. The event's id is derived from the queue, the reason,
the broker's death count and the body, and recorded in ``processed_event`` with it, so a copy
delivered twice publishes once. A dead-lettered ``message.dead_lettered`` is logged, not
announced again (no loop).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from marshmallow import ValidationError
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Engine

from shared.config import Settings
from shared.db import UnitOfWork, make_session_factory
from shared.messaging import topology
from shared.messaging.consumer import Consumer, ConsumerSpec, Outcome
from shared.messaging.envelope import BATCH_CONTENT_TYPE, Envelope, parse_batch, source_of
from shared.messaging.events import EventType
from shared.messaging.schema import processed_event

log = logging.getLogger(__name__)

#: The watcher's own queue, ``turvaverkko.notifications.dead-letters``.
DEAD_LETTERS = ConsumerSpec("notifications", "dead-letters", {})
SOURCE = source_of("notifications")
#: At most this many of a batch's event ids are named in the event.
MAX_IDS = 100
_IDS = uuid.UUID("6f1d4c9e-2f0a-4b7e-9a53-3c1d5e8b7a21")


class DeadLetterWatcher(Consumer):
    """A consumer of raw dead-lettered messages (not of CloudEvents by type)."""

    kind = "dead-letter watcher"

    def __init__(
        self,
        settings: Settings,
        unit_of_work: Callable[[], UnitOfWork],
        watched: Sequence[str],
        **connection_overrides: Any,
    ) -> None:
        super().__init__(settings, DEAD_LETTERS, unit_of_work, **connection_overrides)
        self.watched = tuple(watched)

    def declare_topology(self) -> None:
        topology.declare_dead_letter_watch(self.settings, self.spec.queue.name, self.watched)

    def handle(self, body: bytes, properties: Any) -> Outcome:
        event = dead_lettered_event(body, properties)
        if event is None:
            return self._count(Outcome.ACK)
        try:
            with self._unit_of_work() as uow:
                first_time = uow.session.execute(
                    insert(processed_event)
                    .values(consumer=self.name, event_id=event.id)
                    .on_conflict_do_nothing()
                    .returning(processed_event.c.event_id)
                ).first()
                if first_time is None:
                    self._count("duplicate")
                    return self._count(Outcome.ACK)
                uow.publish(event)
                uow.commit()
        except sa.exc.SQLAlchemyError:
            log.exception("cannot record a dead-lettered message", extra={"worker": self.name})
            return self._count(Outcome.RETRY)
        log.warning(
            "a message was dead-lettered from %s (%s)",
            event.data["queue"],
            event.data["reason"],
            extra={"worker": self.name, "event_type": event.data["event_type"]},
        )
        return self._count(Outcome.ACK)


def dead_lettered_event(body: bytes, properties: Any) -> Envelope | None:
    """The ``message.dead_lettered`` event for a dead-lettered message, or None if the message
    was itself such an event (it is logged instead, so that a failure cannot loop)."""
    headers = getattr(properties, "headers", None) or {}
    queue, reason, deaths = _death(headers)
    types, ids = _contents(body, getattr(properties, "content_type", None))
    if EventType.MESSAGE_DEAD_LETTERED in types:
        log.error("a message.dead_lettered event was dead-lettered from %s", queue)
        return None
    data = {
        "queue": queue,
        "reason": reason,
        "deaths": deaths,
        "event_type": ", ".join(dict.fromkeys(types)) or "unreadable",
        "event_count": len(ids),
        "event_ids": ids[:MAX_IDS],
    }
    event = Envelope.new(EventType.MESSAGE_DEAD_LETTERED, SOURCE, data, subject=f"queue/{queue}")
    fingerprint = hashlib.sha256(body).hexdigest()
    return replace(event, id=str(uuid.uuid5(_IDS, f"{queue}|{reason}|{deaths}|{fingerprint}")))


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _death(headers: dict[str, Any]) -> tuple[str, str, int]:
    """Where, why and how many times the broker has dead-lettered the message (``x-death``'s
    latest entry comes first)."""
    deaths = headers.get("x-death") or []
    if deaths and isinstance(deaths[0], dict):
        latest = deaths[0]
        return (
            _text(latest.get("queue", "unknown")),
            _text(latest.get("reason", "unknown")),
            int(latest.get("count", 1)),
        )
    return (
        _text(headers.get("x-first-death-queue", "unknown")),
        _text(headers.get("x-first-death-reason", "unknown")),
        1,
    )


def _contents(body: bytes, content_type: str | None) -> tuple[list[str], list[str]]:
    """The types and ids of the events in the message, as far as it can be read."""
    try:
        if content_type == BATCH_CONTENT_TYPE:
            events = [e for e in parse_batch(body) if isinstance(e, Envelope)]
        else:
            events = [Envelope.from_json_bytes(body)]
    except ValidationError:
        return [], []
    return [e.type for e in events], [e.id for e in events]


def build_dead_letter_watcher(
    settings: Settings, engine: Engine, watched: Sequence[str]
) -> DeadLetterWatcher:
    sessions = make_session_factory(engine)
    return DeadLetterWatcher(settings, lambda: UnitOfWork(sessions), watched)
