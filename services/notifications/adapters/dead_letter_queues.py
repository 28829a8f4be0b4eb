"""The consumers' dead-letter queues (``<queue>.dead-letter``), over AMQP only (pika; the
management HTTP API may not be enabled): how deep each is, and taking one message out of one —
back to its consumer's queue (replay) or away (discard).

**Finding a message.** AMQP cannot read a queue's message by key, so a queue is browsed from its
head with ``basic.get`` *without acknowledging*: each message taken stays unacknowledged on the
channel, so the next ``basic.get`` gives the next one (never the same again), and the browse never
sees its own leftovers. It takes at most as many messages as the queue held when it began (a
message dead-lettered meanwhile joins the tail, beyond that bound), so it always ends. A message
is matched by the SHA-256 of its body (the key the watcher recorded); its body is held only
while it is looked at — the client's memory holds one message, whatever the queue's length (the
skipped ones stay on the broker, unacknowledged). When the browse ends, every message it skipped
is returned at once (``basic.nack`` of all, requeue) to the queue's head. Nothing is requeued
while browsing and nothing is republished: a browse never meets a message twice, never loops,
never copies one, and costs one pass. What it does not keep is the exact order of the messages
it returned: a quorum queue of RabbitMQ 3.10 takes a set of returned messages back in an order of
its own (returning them one at a time, each after a round trip, kept it only sometimes). Their
order carries no meaning here — the dead letters are listed from the table, and consumers need
no order (a replayed message is an event like any other) — so a browse that keeps order by
republishing the whole queue to its tail (a rewrite of every message, and duplicates when it
dies half-way) is not worth it.

Each browse adds one to the ``x-delivery-count`` of the messages it skipped. The dead-letter
queues have no delivery limit (RabbitMQ 3.10 sets none by default), so that count only grows and
never drops a message. Before moving to RabbitMQ 4.x, whose quorum queues have a default delivery
limit (20), give the ``*.dead-letter`` queues a policy without one.

**Moving it.** A replayed message is published to the default exchange with its queue's name as
routing key, ``mandatory`` and with publisher confirms, and only after the broker's ack is it
acknowledged in the dead-letter queue. A crash in between leaves a copy in both; the consumer's
idempotency record keeps the effect single. A publish the broker returns (the queue is gone) or
refuses (the queue is full: ``x-overflow: reject-publish``) leaves the message where it was. The
replay keeps the message's body and headers (its ``x-death`` included), without the
dead-letter queue's ``x-delivery-count`` and with ``x-turvaverkko-replay`` set to the replay's
number, so that its next death is a new one to the watcher, whatever the broker keeps of
``x-death``.

**One browse per queue at a time.** Messages a browse holds are invisible to another browse of
the same queue, which would then not find them. A browse therefore first takes a lock that lives
exactly as long as its hold on the messages: an exclusive, auto-deleted queue named after the
dead-letter queue, declared on the same connection. The broker refuses a second declaration
(``RESOURCE_LOCKED``) while the first connection lives and deletes the queue when it closes —
also when the process dies — which is also when the broker returns the messages it held. A
second browse waits for it, up to ``LOCK_WAIT_SECONDS``.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pika
import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel

from shared.config import Settings
from shared.errors import Conflict
from shared.messaging import topology

log = logging.getLogger(__name__)

#: The header a replay sets to its number (1 for the first replay of a message).
REPLAY_HEADER = "x-turvaverkko-replay"
#: How long a browse waits for another browse of the same queue to end.
LOCK_WAIT_SECONDS = 15.0
_LOCK_POLL_SECONDS = 0.1
_BROKER_ERRORS = (pika.exceptions.AMQPError, OSError)


class BrokerUnavailable(Exception):
    """The broker could not be reached, or the connection was lost while browsing: nothing was
    moved that was not also kept (a message published but not yet acknowledged is in both)."""


def dead_letter_queue(queue: str) -> str:
    """The dead-letter queue of a consumer's queue (``topology.QueueSpec.dead_letter_queue``)."""
    return f"{queue}.dead-letter"


def message_key(body: bytes) -> str:
    """What identifies a dead-lettered message again: the SHA-256 of its body."""
    return hashlib.sha256(body).hexdigest()


@dataclass
class Letter:
    """A message taken (not yet acknowledged) from a dead-letter queue by a browse."""

    key: str
    delivery_tag: int
    body: bytes
    properties: Any


class Browse:
    """One pass over a dead-letter queue (see the module's docstring); made by
    :meth:`DeadLetterQueues.browse`."""

    def __init__(self, channel: BlockingChannel, queue: str, depth: int) -> None:
        self._channel = channel
        self.queue = queue
        self.depth = depth
        #: Messages this browse took out of the queue (replayed or discarded).
        self.removed = 0

    def __iter__(self) -> Iterator[Letter]:
        """The messages from the head, each once, up to the depth the queue had at the start."""
        for _ in range(self.depth):
            try:
                method, properties, body = self._channel.basic_get(
                    dead_letter_queue(self.queue), auto_ack=False
                )
            except _BROKER_ERRORS as exc:
                raise BrokerUnavailable(repr(exc)) from exc
            if method is None:
                return
            yield Letter(message_key(body), method.delivery_tag, body, properties)

    def find(self, key: str) -> Letter | None:
        """The first message whose key is ``key``; the others before it stay held (returned when
        the browse ends)."""
        for letter in self:
            if letter.key == key:
                return letter
        return None

    def replay(self, letter: Letter, number: int) -> None:
        """Publish the message to its queue (confirmed), then acknowledge it here."""
        try:
            self._channel.basic_publish(
                "",
                self.queue,
                letter.body,
                _replayed(letter.properties, number),
                mandatory=True,
            )
        except pika.exceptions.UnroutableError:
            raise Conflict(
                "The consumer's queue does not exist, so the message was not replayed; it stays "
                "in the dead-letter queue."
            ) from None
        except pika.exceptions.NackError:
            raise Conflict(
                "The consumer's queue refused the message (it may be full), so it was not "
                "replayed; it stays in the dead-letter queue. Try again later."
            ) from None
        except _BROKER_ERRORS as exc:
            raise BrokerUnavailable(repr(exc)) from exc
        self._ack(letter)

    def discard(self, letter: Letter) -> None:
        """Acknowledge the message: the broker deletes it."""
        self._ack(letter)

    def _ack(self, letter: Letter) -> None:
        try:
            self._channel.basic_ack(letter.delivery_tag)
        except _BROKER_ERRORS as exc:
            raise BrokerUnavailable(repr(exc)) from exc
        self.removed += 1

    def return_skipped(self) -> None:
        """Every message taken and not acknowledged, back to the queue's head (tag 0 with
        ``multiple``: all of them)."""
        self._channel.basic_nack(0, multiple=True, requeue=True)


def _replayed(properties: Any, number: int) -> pika.BasicProperties:
    headers = {
        k: v
        for k, v in (getattr(properties, "headers", None) or {}).items()
        if k != "x-delivery-count"
    }
    headers[REPLAY_HEADER] = number
    return pika.BasicProperties(
        content_type=properties.content_type,
        content_encoding=properties.content_encoding,
        headers=headers,
        delivery_mode=pika.DeliveryMode.Persistent,
        priority=properties.priority,
        correlation_id=properties.correlation_id,
        message_id=properties.message_id,
        timestamp=properties.timestamp,
        type=properties.type,
        app_id=properties.app_id,
    )


class DeadLetterQueues:
    """The dead-letter queues on the broker the settings name; a connection per use."""

    def __init__(self, settings: Settings, lock_wait: float = LOCK_WAIT_SECONDS) -> None:
        self.settings = settings
        self.lock_wait = lock_wait

    def _connect(self) -> pika.BlockingConnection:
        try:
            return pika.BlockingConnection(topology.connection_parameters(self.settings))
        except _BROKER_ERRORS as exc:
            raise BrokerUnavailable(repr(exc)) from exc

    def depths(self, queues: Iterable[str]) -> dict[str, int | None]:
        """How many messages wait in each queue's dead-letter queue (None: it does not exist, or
        the broker did not answer)."""
        queues = list(queues)
        try:
            connection = self._connect()
        except BrokerUnavailable:
            log.warning("cannot read the dead-letter queues' depths: the broker is unavailable")
            return dict.fromkeys(queues)
        found: dict[str, int | None] = {}
        try:
            channel = connection.channel()
            for queue in queues:
                try:
                    declared = channel.queue_declare(dead_letter_queue(queue), passive=True)
                    found[queue] = declared.method.message_count
                except pika.exceptions.ChannelClosedByBroker:  # 404: no such queue
                    found[queue] = None
                    channel = connection.channel()
        except _BROKER_ERRORS:
            log.warning("lost the broker while reading the dead-letter queues' depths")
            return found | {q: None for q in queues if q not in found}
        finally:
            _close(connection)
        return found

    @contextmanager
    def browse(self, queue: str) -> Iterator[Browse]:
        """A browse of ``queue``'s dead-letter queue, holding the queue's lock; every message it
        took and did not replay or discard is returned to the queue's head when it ends."""
        connection = self._connect()
        try:
            channel = self._lock(connection, queue)
            try:
                declared = channel.queue_declare(dead_letter_queue(queue), passive=True)
            except pika.exceptions.ChannelClosedByBroker:
                raise Conflict(
                    "The queue has no dead-letter queue on the broker (it was deleted?)."
                ) from None
            channel.confirm_delivery()
            browse = Browse(channel, queue, declared.method.message_count)
            try:
                yield browse
            finally:
                if channel.is_open:
                    browse.return_skipped()
                    self._settle(channel, browse)
        except _BROKER_ERRORS as exc:
            raise BrokerUnavailable(repr(exc)) from exc
        finally:
            _close(connection)  # returns anything still held, and frees the lock

    def _settle(self, channel: BlockingChannel, browse: Browse) -> None:
        """Hold the lock until the queue has taken back what the browse returned: a
        ``basic.nack`` is not confirmed, and a quorum queue applies it a moment later, so a
        browse that began at once could count the queue short and stop before the messages
        still on their way back (it then missed a dead letter it was asked to replay). The
        queue holds at least what it held at the start less what the browse removed once they
        are back; a browse waits for that, up to ``LOCK_WAIT_SECONDS``."""
        expected = browse.depth - browse.removed
        deadline = time.monotonic() + self.lock_wait
        name = dead_letter_queue(browse.queue)
        while time.monotonic() < deadline:
            if channel.queue_declare(name, passive=True).method.message_count >= expected:
                return
            time.sleep(_LOCK_POLL_SECONDS / 10)
        log.warning("a dead-letter queue had not taken back its browsed messages in time")

    def _lock(self, connection: pika.BlockingConnection, queue: str) -> BlockingChannel:
        """A channel of ``connection`` once it holds ``queue``'s lock (its exclusive queue)."""
        deadline = time.monotonic() + self.lock_wait
        name = f"{dead_letter_queue(queue)}.browse-lock"
        while True:
            channel = connection.channel()
            try:
                channel.queue_declare(
                    name,
                    exclusive=True,
                    auto_delete=True,
                    arguments={"x-queue-type": "classic"},
                )
                return channel
            except pika.exceptions.ChannelClosedByBroker as exc:
                if exc.reply_code != 405:  # RESOURCE_LOCKED: another connection holds it
                    raise
            if time.monotonic() > deadline:
                raise Conflict(
                    "Another admin is replaying or discarding messages of this queue; try again "
                    "in a moment."
                )
            time.sleep(_LOCK_POLL_SECONDS)


def _close(connection: pika.BlockingConnection) -> None:
    try:
        if connection.is_open:
            connection.close()
    except _BROKER_ERRORS:
        log.debug("the broker connection was already gone")
