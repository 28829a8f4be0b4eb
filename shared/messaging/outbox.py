"""The outbox relay: publishes outbox rows to the events exchange and marks them sent only after
the broker has confirmed them.

- Rows are claimed in batches with ``FOR UPDATE SKIP LOCKED`` inside a transaction that stays open
  until the batch is confirmed, so two relays running at once never publish the same rows
  concurrently, and a relay that dies releases its rows for the next one.
- Confirms are pipelined: every message of several batches is in flight at once and confirms are
  matched by delivery tag (``multiple=True`` acknowledges a whole range).
- Events of one type travel together, up to ``relay_events_per_message`` in one message (a
  CloudEvents batch): the broker's cost is per message, so a bulk import costs it a hundredth.
  A lone event is sent as a plain structured CloudEvent.
- A row is marked sent only after its ack. A crash between publishing and marking re-sends the
  row later; consumers are idempotent on the event id, so the re-sent message has no second effect.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pika
import sqlalchemy as sa
from pika.channel import Channel
from pika.spec import Basic
from sqlalchemy.engine import Connection, Engine

from shared.config import Settings
from shared.messaging.connection import Backoff, BrokerWorker
from shared.messaging.envelope import BATCH_CONTENT_TYPE, CONTENT_TYPE, batch_body
from shared.messaging.schema import compact_counts, count, outbox

log = logging.getLogger(__name__)

_CLAIM = (
    sa.select(
        outbox.c.id, outbox.c.event_id, outbox.c.event_type, outbox.c.headers, outbox.c.payload
    )
    .where(outbox.c.sent_at.is_(None))
    .order_by(outbox.c.id)
    .with_for_update(skip_locked=True)
)
_MARK_SENT = sa.text(
    "UPDATE outbox SET sent_at = now(), attempts = attempts + 1 WHERE id = ANY(:ids)"
)
# - Marking rows sent need not wait for the disk: if a mark is lost in a crash, the rows are
#   published again and consumers ignore the duplicates.
# - The claim must walk the partial index of unsent rows in id order and stop at the limit. A queue
#   table's statistics are always stale, and with them the planner may instead sort every unsent
#   row (to disk, under FOR UPDATE): ten times slower on a backlog.
_CLAIM_SETTINGS = sa.text(
    "SET LOCAL synchronous_commit TO OFF; SET LOCAL enable_sort TO OFF; "
    "SET LOCAL enable_bitmapscan TO OFF"
)
_COUNT_ATTEMPT = sa.text("UPDATE outbox SET attempts = attempts + 1 WHERE id = ANY(:ids)")
_PURGE = sa.text(
    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE sent_at < now() - "
    "make_interval(hours => :hours) LIMIT 10000)"
)


@dataclass
class Batch:
    """Rows claimed in one open transaction, published and awaiting their confirms."""

    connection: Connection
    transaction: sa.RootTransaction
    rows: list[Any] = field(default_factory=list)
    unconfirmed: dict[int, list[int]] = field(default_factory=dict)  # delivery tag → outbox ids
    acked: list[int] = field(default_factory=list)
    nacked: list[int] = field(default_factory=list)
    first_tag: int = 0
    last_tag: int = 0
    published_at: float = 0.0

    def release(self) -> None:
        try:
            if self.transaction.is_active:
                self.transaction.rollback()
        finally:
            self.connection.close()


class OutboxRelay(BrokerWorker):
    """Publishes one service's outbox. Run it as its own process: ``turvaverkko worker SVC relay``."""

    kind = "outbox-relay"

    def __init__(self, settings: Settings, engine: Engine, service: str, **overrides: Any) -> None:
        super().__init__(settings, f"{service}.relay", **overrides)
        self.engine = engine
        self.service = service
        self._batches: list[Batch] = []
        self._next_tag = 1
        self._pump_scheduled = False
        self._last_purge = 0.0
        # One database thread claims and marks rows, so the I/O loop only publishes and confirms.
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"{self.name}.db")
        self._claiming: Future[None] | None = None
        self._claimed: Batch | Exception | None = None
        self._handoff_lock = threading.Lock()
        self._refused = Backoff(base=0.1, cap=2.0)
        #: Rows confirmed and marked sent since start (for logs, tests and the benchmark).
        self.sent_total = 0

    # --- life cycle hooks -------------------------------------------------------------------

    def on_channel_open(self, channel: Channel) -> None:
        self._next_tag = 1
        channel.confirm_delivery(self._on_confirm, callback=self._on_confirm_mode)

    def _on_confirm_mode(self, _frame: Any) -> None:
        self.ready.set()
        self._schedule_pump(0)
        self._watch_confirms()

    def _watch_confirms(self) -> None:
        """Once a second: a batch whose confirms never come forces a reconnection."""
        if self._channel is None or self._connection is None:
            return
        self._check_confirm_deadline()
        self._connection.ioloop.call_later(1.0, self._watch_confirms)

    def on_disconnected(self) -> None:
        # Unconfirmed rows go back to the table unmarked; the next connection re-sends them.
        if self._claiming is not None:
            self._claiming.result()  # a claim finishing now cannot reach the closed loop
            self._claiming = None
        with self._handoff_lock:
            claimed, self._claimed = self._claimed, None
        if isinstance(claimed, Batch):
            claimed.release()
        for batch in self._batches:
            batch.release()
        if self._batches:
            log.warning(
                "released %d unconfirmed batches for re-sending",
                len(self._batches),
                extra={"worker": self.name},
            )
        self._batches = []
        self._pump_scheduled = False

    def _begin_stop(self) -> None:
        if not self._batches and self._claiming is None:
            self.close_connection()
        # otherwise the last confirm closes the connection (see _finish)

    # --- the pump ---------------------------------------------------------------------------

    def _schedule_pump(self, delay: float) -> None:
        if self._pump_scheduled or self._connection is None:
            return
        self._pump_scheduled = True
        self._connection.ioloop.call_later(delay, self._pump)

    def _pump(self) -> None:
        """Ask the database thread for the next batch if there is room for one in flight."""
        self._pump_scheduled = False
        channel = self._channel
        if channel is None or not channel.is_open or self.stopping or self._claiming is not None:
            return
        if len(self._batches) >= self.settings.relay_batches_in_flight:
            return  # the confirms of the batches in flight call the next pump
        self._claiming = self._db.submit(self._claim_in_background)

    def _claim_in_background(self) -> None:
        """On the database thread: claim rows, then hand them to the I/O loop to publish."""
        try:
            claimed: Batch | Exception | None = self._claim()
            if claimed is None:
                self._purge_sent_rows()
        except sa.exc.SQLAlchemyError as exc:
            claimed = exc
        with self._handoff_lock:
            self._claimed = claimed
        connection = self._connection
        if connection is not None:
            # If the loop has gone, on_disconnected() releases the claimed rows instead.
            with contextlib.suppress(RuntimeError, AttributeError):
                connection.ioloop.add_callback_threadsafe(self._on_claimed)

    def _on_claimed(self) -> None:
        with self._handoff_lock:
            claimed, self._claimed = self._claimed, None
        self._claiming = None
        channel = self._channel
        if isinstance(claimed, Batch):
            if channel is None or not channel.is_open or self.stopping:
                claimed.release()
                if self.stopping and not self._batches:
                    self.close_connection()
                return
            self._publish(channel, claimed)
            self._schedule_pump(0)
        elif isinstance(claimed, Exception):
            # The database is away: keep the broker connection and try again shortly.
            log.error("cannot read the outbox: %r", claimed, extra={"worker": self.name})
            self._schedule_pump(self._backoff.next_delay())
        elif not self._batches:
            self._schedule_pump(self.settings.relay_poll_interval)
        if self.stopping and not self._batches:
            self.close_connection()

    def _claim(self) -> Batch | None:
        connection = self.engine.connect()
        transaction = connection.begin()
        try:
            connection.execute(_CLAIM_SETTINGS)
            rows = connection.execute(_CLAIM.limit(self.settings.relay_batch_size)).all()
        except Exception:
            transaction.rollback()
            connection.close()
            raise
        if not rows:
            transaction.rollback()
            connection.close()
            return None
        return Batch(connection, transaction, rows=list(rows))

    def _publish(self, channel: Channel, batch: Batch) -> None:
        exchange = self.settings.events_exchange
        batch.first_tag = self._next_tag
        for event_type, rows in _messages(batch.rows, self.settings.relay_events_per_message):
            if len(rows) == 1:
                [row] = rows
                body = row.payload
                properties = pika.BasicProperties(
                    content_type=CONTENT_TYPE,
                    delivery_mode=pika.DeliveryMode.Persistent,
                    message_id=row.event_id,
                    headers=row.headers or None,
                )
            else:
                body = batch_body([row.payload for row in rows])
                # Each event carries its own request id; the consumer takes it from there.
                properties = pika.BasicProperties(
                    content_type=BATCH_CONTENT_TYPE,
                    delivery_mode=pika.DeliveryMode.Persistent,
                    headers={"x-event-count": len(rows)},
                )
            channel.basic_publish(exchange, event_type, body, properties)
            batch.unconfirmed[self._next_tag] = [row.id for row in rows]
            self._next_tag += 1
        batch.last_tag = self._next_tag - 1
        batch.published_at = time.monotonic()
        published = {
            "events_published": len(batch.rows),
            "messages_published": len(batch.unconfirmed),
        }
        batch.rows = []
        self._batches.append(batch)
        # Counted at once, on its own: a relay that dies before the confirms has still tried.
        self._db.submit(self._count, published)

    def _count(self, counts: dict[str, int]) -> None:
        """On the database thread: add to this relay's counters (for /metrics)."""
        try:
            with self.engine.begin() as connection:
                count(connection.connection.driver_connection, self.name, counts)
        except sa.exc.SQLAlchemyError:
            log.warning("cannot count published events", exc_info=True, extra={"worker": self.name})

    def _on_confirm(self, frame: Any) -> None:
        method = frame.method
        acked = isinstance(method, Basic.Ack)
        tag = method.delivery_tag
        finished: list[Batch] = []
        for batch in self._batches:
            if batch.first_tag > tag:
                break
            if method.multiple:
                for t in range(batch.first_tag, min(batch.last_tag, tag) + 1):
                    row_ids = batch.unconfirmed.pop(t, None)
                    if row_ids is not None:
                        (batch.acked if acked else batch.nacked).extend(row_ids)
            elif batch.last_tag >= tag:
                row_ids = batch.unconfirmed.pop(tag, None)
                if row_ids is not None:
                    (batch.acked if acked else batch.nacked).extend(row_ids)
            if not batch.unconfirmed:
                finished.append(batch)
        for batch in finished:
            self._batches.remove(batch)
            # Marking happens off the I/O loop, so publishing goes on meanwhile.
            self._db.submit(self._finish_safely, batch)
        if finished:
            if self.stopping and not self._batches:
                self.close_connection()
            elif any(batch.nacked for batch in finished):
                # The broker refuses (a full queue rejects publishes): wait before re-sending.
                self._schedule_pump(self._refused.next_delay())
            else:
                self._refused.reset()
                self._schedule_pump(0)

    def _finish_safely(self, batch: Batch) -> None:
        try:
            self._finish(batch)
        except sa.exc.SQLAlchemyError:
            # Not marked: the rows are published again later, which consumers tolerate.
            log.exception("cannot mark confirmed rows sent", extra={"worker": self.name})

    def on_stopped(self) -> None:
        self._db.shutdown(wait=True)

    def _finish(self, batch: Batch) -> None:
        """Mark the acknowledged rows sent; nacked rows stay unsent and are retried."""
        try:
            count(
                batch.connection.connection.driver_connection,
                self.name,
                {"events_confirmed": len(batch.acked), "events_refused": len(batch.nacked)},
            )
            if batch.acked:
                batch.connection.execute(_MARK_SENT, {"ids": batch.acked})
            if batch.nacked:
                batch.connection.execute(_COUNT_ATTEMPT, {"ids": batch.nacked})
                log.warning(
                    "broker refused %d messages; they stay in the outbox",
                    len(batch.nacked),
                    extra={"worker": self.name},
                )
            batch.transaction.commit()
            self.sent_total += len(batch.acked)
        finally:
            batch.release()

    def _check_confirm_deadline(self) -> None:
        if self._batches and (
            time.monotonic() - self._batches[0].published_at > self.settings.relay_confirm_timeout
        ):
            log.error(
                "no publisher confirm within %.0fs; reconnecting",
                self.settings.relay_confirm_timeout,
                extra={"worker": self.name},
            )
            self.close_connection()

    def _purge_sent_rows(self) -> None:
        now = time.monotonic()
        if now - self._last_purge < 60:
            return
        self._last_purge = now
        with self.engine.begin() as connection:
            connection.execute(_PURGE, {"hours": self.settings.outbox_retention_hours})
            compact_counts(connection.connection.driver_connection)


def _messages(rows: list[Any], per_message: int) -> list[tuple[str, list[Any]]]:
    """Claimed rows as messages: grouped by event type (the routing key), in outbox order within
    a type, at most ``per_message`` events each."""
    by_type: dict[str, list[Any]] = {}
    for row in rows:
        by_type.setdefault(row.event_type, []).append(row)
    return [
        (event_type, group[start : start + per_message])
        for event_type, group in by_type.items()
        for start in range(0, len(group), per_message)
    ]


def pending_count(engine: Engine) -> int:
    """Rows waiting to be published (for /metrics and tests)."""
    with engine.connect() as connection:
        return int(
            connection.execute(
                sa.select(sa.func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
            ).scalar_one()
        )
