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

In the same unit of work it records the dead letter (``usecases.dead_letters.record_death``:
queue, the body's SHA-256, event types and ids, reason — never the data), which admins list,
replay and discard; a message replayed and dead-lettered again is waiting again. A replay sets
``x-turvaverkko-replay`` on the message, which goes into the event's id: its next death is a new
one even where the broker does not keep ``x-death`` across a republish.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from marshmallow import ValidationError
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Engine

from services.notifications.adapters.dead_letter_queues import REPLAY_HEADER, message_key
from services.notifications.usecases import dead_letters
from services.notifications.usecases.dead_letters import Death
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
        death, event = _read(body, properties)
        loop = EventType.MESSAGE_DEAD_LETTERED in death.event_types
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
                dead_letters.record_death(uow, death)
                if not loop:
                    uow.publish(event)
                uow.commit()
        except sa.exc.SQLAlchemyError:
            log.exception("cannot record a dead-lettered message", extra={"worker": self.name})
            return self._count(Outcome.RETRY)
        if loop:
            log.error("a message.dead_lettered event was dead-lettered from %s", death.queue)
            return self._count(Outcome.ACK)
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
    death, event = _read(body, properties)
    if EventType.MESSAGE_DEAD_LETTERED in death.event_types:
        log.error("a message.dead_lettered event was dead-lettered from %s", death.queue)
        return None
    return event


def _read(body: bytes, properties: Any) -> tuple[Death, Envelope]:
    """The dead letter a copy tells of, and the event announcing it (its id derived from the
    queue, the reason, the death count, the replay's number if any, and the body)."""
    headers = getattr(properties, "headers", None) or {}
    queue, reason, deaths = _death(headers)
    types, ids = _contents(body, getattr(properties, "content_type", None))
    fingerprint = message_key(body)
    distinct = list(dict.fromkeys(types))
    death = Death(queue, fingerprint, distinct, ids[:MAX_IDS], len(ids), reason)
    data = {
        "queue": queue,
        "reason": reason,
        "deaths": deaths,
        "event_type": ", ".join(distinct) or "unreadable",
        "event_count": len(ids),
        "event_ids": ids[:MAX_IDS],
    }
    event = Envelope.new(EventType.MESSAGE_DEAD_LETTERED, SOURCE, data, subject=f"queue/{queue}")
    name = f"{queue}|{reason}|{deaths}|{fingerprint}"
    replay = headers.get(REPLAY_HEADER)
    if replay:
        name += f"|replay {_text(replay)}"
    return death, replace(event, id=str(uuid.uuid5(_IDS, name)))


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
