"""The consumer base: manual acks, prefetch, idempotent handling, dead-lettering, clean stop.

A message is handled on a worker thread, in one unit of work that first records
``(consumer, event id)`` in ``processed_event`` and then applies the handler's effect; both commit
together. A second delivery of the same event finds the record and is acknowledged without effect.
A handler that raises is rolled back and the message is returned to the queue; the quorum queue
counts deliveries and dead-letters the message after ``x-delivery-limit``. A message that is not a
valid CloudEvent is dead-lettered at once.

A batched message (``application/cloudevents-batch+json``) is handled in one unit of work: one
``processed_event`` insert for all its ids, then each new event's effect in order. If that fails,
its events are applied one by one, each in its own unit of work, so that one bad event cannot hold
back the others: the message is then retried (the events already applied are recorded and not
applied again) and, past the delivery limit, dead-lettered. An event in a batch that is not a valid
CloudEvent never succeeds, so once the others are applied the message is dead-lettered. The I/O loop never waits for a handler, so heartbeats
are answered however slow the handler is; acks go back to the loop through
``add_callback_threadsafe``.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import itertools
import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError
from pika.channel import Channel
from sqlalchemy.dialects.postgresql import insert

from shared.config import Settings
from shared.db import UnitOfWork, driver_connection, driver_execute
from shared.messaging import topology
from shared.messaging.connection import BrokerWorker
from shared.messaging.envelope import BATCH_CONTENT_TYPE, REQUEST_ID_HEADER, Envelope, parse_batch
from shared.messaging.schema import count as count_in
from shared.messaging.schema import processed_event
from shared.observability import reset_request_id, set_request_id

#: A batch's ids recorded in one statement (one prepared plan whatever the batch's size); returns
#: the ids that were new.
_RECORD_PROCESSED = (
    "INSERT INTO processed_event (consumer, event_id) SELECT %(c)s, unnest(%(ids)s::text[]) "
    "ON CONFLICT DO NOTHING RETURNING event_id"
)

log = logging.getLogger(__name__)

#: A handler applies one event's effect inside the given unit of work; it does not commit.
Handler = Callable[[Envelope, UnitOfWork], None]
#: A batch handler applies several events of one type, in order, in the given unit of work.
BatchHandler = Callable[[list[Envelope], UnitOfWork], None]


@dataclass(frozen=True)
class ConsumerSpec:
    """A named consumer of one service and the handler for each event type it takes."""

    service: str
    name: str
    handlers: Mapping[str, Handler]
    #: Optional: for an event type, a handler that applies many events at once (a batched
    #: message), with the same effect as ``handlers`` applied to each in turn.
    batch_handlers: Mapping[str, BatchHandler] = field(default_factory=dict)
    #: Optional: a spec whose handlers need the process's settings is made from them when its
    #: consumer is built (explicit wiring: no handler reads the environment).
    configure: Callable[[Settings], ConsumerSpec] | None = None

    def configured(self, settings: Settings) -> ConsumerSpec:
        return self if self.configure is None else self.configure(settings)

    @property
    def queue(self) -> topology.QueueSpec:
        return topology.QueueSpec(self.service, self.name, tuple(sorted(self.handlers)))


def unconfigured(event: Envelope, uow: UnitOfWork) -> None:
    """The handler of a spec not yet configured with its settings (``ConsumerSpec.configure``)."""
    raise RuntimeError("this consumer's handlers are made from its settings: use configured()")


class Outcome(enum.Enum):
    ACK = "ack"  # done (or done before)
    RETRY = "retry"  # the handler failed; deliver again until the delivery limit
    DEAD_LETTER = "dead-letter"  # can never succeed


class Consumer(BrokerWorker):
    """Consumes one queue. Run it as its own process: ``turvaverkko worker SVC consumer NAME``."""

    kind = "consumer"
    #: How long a stop waits for messages being handled before closing anyway.
    DRAIN_SECONDS = 30.0

    def __init__(
        self,
        settings: Settings,
        spec: ConsumerSpec,
        unit_of_work: Callable[[], UnitOfWork],
        **connection_overrides: Any,
    ) -> None:
        super().__init__(settings, f"{spec.service}.{spec.name}", **connection_overrides)
        self.spec = spec.configured(settings)
        self._unit_of_work = unit_of_work
        self._executor = ThreadPoolExecutor(
            max_workers=settings.consumer_concurrency, thread_name_prefix=self.name
        )
        self._consumer_tag: str | None = None
        self._in_flight = 0
        self._lock = threading.Lock()
        #: Counts by outcome since start, for logs and tests.
        self.outcomes: dict[Outcome | str, int] = {o: 0 for o in Outcome} | {"duplicate": 0}

    # --- life cycle -------------------------------------------------------------------------

    def declare_topology(self) -> None:
        topology.declare(self.settings, [self.spec.queue])

    def on_channel_open(self, channel: Channel) -> None:
        channel.basic_qos(
            prefetch_count=self.settings.consumer_prefetch,
            callback=lambda _frame: self._start_consuming(channel),
        )

    def _start_consuming(self, channel: Channel) -> None:
        self._consumer_tag = channel.basic_consume(self.spec.queue.name, self._on_message)
        self.ready.set()
        log.info("consuming %s", self.spec.queue.name, extra={"worker": self.name})

    def on_disconnected(self) -> None:
        # Messages still being handled belong to the closed channel; the broker redelivers them
        # and the idempotency record keeps the effect single.
        self._consumer_tag = None
        with self._lock:
            self._in_flight = 0  # their settles are ignored: they belong to the old channel

    def on_stopped(self) -> None:
        self._executor.shutdown(wait=True)

    def _begin_stop(self) -> None:
        channel = self._channel
        if channel is not None and channel.is_open and self._consumer_tag is not None:
            channel.basic_cancel(self._consumer_tag, callback=lambda _f: self._close_when_idle())
            self._consumer_tag = None
            # A handler that never returns must not keep the process alive for ever.
            assert self._connection is not None
            self._connection.ioloop.call_later(self.DRAIN_SECONDS, self.close_connection)
        else:
            self.close_connection()

    def _close_when_idle(self) -> None:
        with self._lock:
            idle = self._in_flight == 0
        if idle:
            self.close_connection()
        # otherwise the last settle closes it

    # --- messages ---------------------------------------------------------------------------

    def _on_message(self, channel: Channel, method: Any, properties: Any, body: bytes) -> None:
        with self._lock:
            self._in_flight += 1
        self._executor.submit(self._work, channel, method.delivery_tag, properties, body)

    def _work(self, channel: Channel, delivery_tag: int, properties: Any, body: bytes) -> None:
        try:
            outcome = self.handle(body, properties)
        except BaseException:  # never lose the settle, whatever happened
            log.exception("unexpected failure", extra={"worker": self.name})
            outcome = Outcome.RETRY
        connection = self._connection
        if connection is not None:
            # If the connection has been replaced meanwhile, _settle sees a stale channel and
            # leaves the message to the broker's redelivery.
            with contextlib.suppress(RuntimeError, AttributeError):
                connection.ioloop.add_callback_threadsafe(
                    functools.partial(self._settle, channel, delivery_tag, outcome)
                )

    def handle(self, body: bytes, properties: Any) -> Outcome:
        """Handle one message body and say how to settle it."""
        headers = getattr(properties, "headers", None) or {}
        token = set_request_id(headers.get(REQUEST_ID_HEADER))
        try:
            if getattr(properties, "content_type", None) == BATCH_CONTENT_TYPE:
                return self._handle_batch(body)
            try:
                event = Envelope.from_json_bytes(body)
            except ValidationError as exc:
                log.error(
                    "invalid CloudEvent, dead-lettering it: %s",
                    exc.messages,
                    extra={"worker": self.name},
                )
                return self._count(Outcome.DEAD_LETTER)
            if event.requestid:
                set_request_id(event.requestid)
            handler = self.spec.handlers.get(event.type)
            if handler is None:
                log.warning("no handler for %s", event.type, extra={"worker": self.name})
                return self._count(Outcome.ACK)
            try:
                return self._apply(handler, event)
            except Exception:
                log.exception(
                    "handler failed for event %s (%s), delivery %s of %s",
                    event.id,
                    event.type,
                    int(headers.get("x-delivery-count", 0)) + 1,
                    self.settings.delivery_limit + 1,
                    extra={"worker": self.name},
                )
                return self._count(Outcome.RETRY)
        finally:
            reset_request_id(token)

    def _handle_batch(self, body: bytes) -> Outcome:
        try:
            parsed = parse_batch(body)
        except ValidationError as exc:
            log.error(
                "invalid CloudEvents batch, dead-lettering it: %s",
                exc.messages,
                extra={"worker": self.name},
            )
            return self._count(Outcome.DEAD_LETTER)
        invalid = [p for p in parsed if isinstance(p, ValidationError)]
        events = [p for p in parsed if isinstance(p, Envelope) and p.type in self.spec.handlers]
        if invalid:
            log.error(
                "%d of %d events in a batch are not valid CloudEvents: %s",
                len(invalid),
                len(parsed),
                invalid[0].messages,
                extra={"worker": self.name},
            )
        try:
            self._apply_together(events)
        except Exception:
            log.warning(
                "a batch of %d events failed together; applying them one by one",
                len(events),
                exc_info=True,
                extra={"worker": self.name},
            )
            if not self._apply_each(events):
                return self._count(Outcome.RETRY)
        return self._count(Outcome.DEAD_LETTER if invalid else Outcome.ACK)

    def _apply_together(self, events: list[Envelope]) -> None:
        if not events:
            return
        with self._unit_of_work() as uow:
            new = {
                row[0]
                for row in driver_execute(
                    uow.session, _RECORD_PROCESSED, {"c": self.name, "ids": [e.id for e in events]}
                )
            }
            duplicates = 0
            fresh: list[Envelope] = []
            for event in events:
                if event.id not in new:
                    duplicates += 1
                    continue
                new.discard(event.id)  # the same event twice in one batch: one effect
                fresh.append(event)
            if duplicates:
                count_in(driver_connection(uow.session), self.name, {"duplicates": duplicates})
            for event_type, group in itertools.groupby(fresh, key=lambda e: e.type):
                same_type = list(group)
                batch_handler = self.spec.batch_handlers.get(event_type)
                if batch_handler is not None:
                    batch_handler(same_type, uow)
                    continue
                for event in same_type:
                    set_request_id(event.requestid)
                    self.spec.handlers[event.type](event, uow)
            uow.commit()
        with self._lock:
            self.outcomes["duplicate"] += duplicates

    def _apply_each(self, events: list[Envelope]) -> bool:
        """Each event in its own unit of work; False if any of them failed."""
        succeeded = True
        for event in events:
            set_request_id(event.requestid)
            try:
                self._apply(self.spec.handlers[event.type], event, count=False)
            except Exception:
                log.exception(
                    "handler failed for event %s (%s) in a batch",
                    event.id,
                    event.type,
                    extra={"worker": self.name},
                )
                succeeded = False
        return succeeded

    def _apply(self, handler: Handler, event: Envelope, *, count: bool = True) -> Outcome:
        with self._unit_of_work() as uow:
            first_time = uow.session.execute(
                insert(processed_event)
                .values(consumer=self.name, event_id=event.id)
                .on_conflict_do_nothing()
                .returning(processed_event.c.event_id)
            ).first()
            if first_time is None:
                self._count("duplicate")
                count_in(driver_connection(uow.session), self.name, {"duplicates": 1})
                uow.commit()
                return self._count(Outcome.ACK) if count else Outcome.ACK
            handler(event, uow)
            uow.commit()
        return self._count(Outcome.ACK) if count else Outcome.ACK

    def _count(self, outcome: Any) -> Any:
        with self._lock:
            self.outcomes[outcome] += 1
        return outcome

    def _settle(self, channel: Channel, delivery_tag: int, outcome: Outcome) -> None:
        current = self._channel
        if current is None or channel is not current or not channel.is_open:
            return  # the delivery tag belongs to a closed channel; the broker redelivers
        with self._lock:
            self._in_flight -= 1
            idle = self._in_flight == 0
        if outcome is Outcome.ACK:
            channel.basic_ack(delivery_tag)
        else:
            channel.basic_nack(delivery_tag, requeue=outcome is Outcome.RETRY)
        if idle and self.stopping:
            self.close_connection()
