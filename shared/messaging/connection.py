"""The life cycle every long-running broker client shares: connect, declare, work, reconnect with
back-off when the broker goes away, and stop cleanly when asked (SIGTERM).

It follows pika 1.4's asynchronous consumer and publisher examples: one ``SelectConnection`` per
worker, driven by its own I/O loop in one thread. Nothing slow runs on that loop, so heartbeats
are always answered; other threads reach it only through ``add_callback_threadsafe``.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
from typing import Any

import pika
import pika.exceptions
from pika.channel import Channel

from shared.config import Settings
from shared.messaging import topology

log = logging.getLogger(__name__)


class Backoff:
    """Exponential back-off with full jitter, capped; ``reset()`` after a success."""

    def __init__(self, base: float = 0.2, cap: float = 30.0) -> None:
        self.base, self.cap, self.attempt = base, cap, 0

    def next_delay(self) -> float:
        ceiling = min(self.cap, self.base * (2**self.attempt))
        self.attempt += 1
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not security

    def reset(self) -> None:
        self.attempt = 0


class BrokerWorker:
    """Base of the outbox relay and the consumers. Subclasses implement ``on_channel_open``."""

    #: Shown in logs and metrics.
    kind = "worker"

    def __init__(self, settings: Settings, name: str, **connection_overrides: Any) -> None:
        self.settings = settings
        self.name = name
        self._params = topology.connection_parameters(settings, **connection_overrides)
        self._stopping = threading.Event()
        self._connection: pika.SelectConnection | None = None
        self._channel: Channel | None = None
        self._backoff = Backoff(cap=settings.reconnect_max_delay)
        #: How many times a channel was opened; tests read it to see reconnections.
        self.sessions_opened = 0
        self.ready = threading.Event()

    # --- life cycle -------------------------------------------------------------------------

    def run(self) -> None:
        """Work until ``stop()``; survives broker restarts and closed connections."""
        log.info("%s starting", self.kind, extra={"worker": self.name})
        while not self._stopping.is_set():
            try:
                self.declare_topology()
            except (pika.exceptions.AMQPError, OSError) as exc:
                self._wait_before_reconnect(f"cannot declare the topology: {exc!r}")
                continue
            self._connection = pika.SelectConnection(
                self._params,
                on_open_callback=self._on_connection_open,
                on_open_error_callback=self._on_connection_open_error,
                on_close_callback=self._on_connection_closed,
            )
            self._connection.ioloop.start()  # returns when the connection has closed
            self._connection.ioloop.close()  # releases the loop's own sockets
            self._channel = None
            self.ready.clear()
            self.on_disconnected()
            if not self._stopping.is_set():
                self._wait_before_reconnect("connection lost")
        self.on_stopped()
        log.info("%s stopped", self.kind, extra={"worker": self.name})

    def stop(self) -> None:
        """Ask the worker to finish; safe from any thread and from a signal handler."""
        self._stopping.set()
        connection = self._connection
        if connection is not None:
            with contextlib.suppress(RuntimeError, AttributeError):  # the loop has gone already
                connection.ioloop.add_callback_threadsafe(self._begin_stop)

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def _wait_before_reconnect(self, why: str) -> None:
        delay = self._backoff.next_delay()
        log.warning(
            "%s reconnecting in %.1fs: %s", self.kind, delay, why, extra={"worker": self.name}
        )
        self._stopping.wait(delay)

    # --- hooks ------------------------------------------------------------------------------

    def declare_topology(self) -> None:
        """Declare what this worker needs; runs before each (re)connection."""
        topology.declare(self.settings)

    def on_channel_open(self, channel: Channel) -> None:
        raise NotImplementedError

    def on_disconnected(self) -> None:
        """The connection has closed; forget everything tied to it."""

    def on_stopped(self) -> None:
        """The worker has stopped for good."""

    def _begin_stop(self) -> None:
        """Runs on the I/O loop when a stop is requested; subclasses drain first."""
        self.close_connection()

    # --- pika callbacks (all on the I/O loop) -----------------------------------------------

    def close_connection(self) -> None:
        connection = self._connection
        if connection is not None and not (connection.is_closing or connection.is_closed):
            connection.close()

    def _on_connection_open(self, connection: pika.SelectConnection) -> None:
        connection.channel(on_open_callback=self._on_channel_open)

    def _on_connection_open_error(self, connection: pika.SelectConnection, error: Any) -> None:
        log.warning(
            "cannot connect to the broker at %s: %r",
            self.settings.amqp_address,
            error,
            extra={"worker": self.name},
        )
        connection.ioloop.stop()

    def _on_connection_closed(self, connection: pika.SelectConnection, reason: Any) -> None:
        if not self._stopping.is_set():
            log.warning("broker connection closed: %r", reason, extra={"worker": self.name})
        connection.ioloop.stop()

    def _on_channel_open(self, channel: Channel) -> None:
        self._channel = channel
        channel.add_on_close_callback(self._on_channel_closed)
        self.sessions_opened += 1
        self._backoff.reset()
        if self._stopping.is_set():
            self.close_connection()
            return
        self.on_channel_open(channel)

    def _on_channel_closed(self, channel: Channel, reason: Any) -> None:
        # A channel closed by the broker (a protocol error) is not reused: start afresh.
        if not self._stopping.is_set():
            log.warning("channel closed: %r", reason, extra={"worker": self.name})
        self._channel = None
        self.close_connection()
