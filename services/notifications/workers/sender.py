"""The sender: sends what the consumer decided — e-mails and webhooks — with retries, and makes
the daily digests, and erases what is past its retention. Run it as its own process: ``turvaverkko worker notifications sender``.

Sending is apart from consuming: the consumer only writes deliveries, so a slow SMTP server or a
dead webhook receiver never holds back the queue. Here each channel has its own loop and its own
threads, so a mail server that hangs does not hold back webhooks either. Each pass claims the
deliveries that are due (``store.deliveries.claim``), sends them in parallel, and records every
attempt as soon as it is made, each apart: one that cannot be recorded loses no other. A failed
attempt is retried with exponential back-off and full jitter for up to the retry window (24
hours) from the first attempt, then failed — visible in the delivery log. A webhook request ends
within ``WEBHOOK_TIMEOUT`` however slowly its receiver answers, so one slow receiver holds a pass
back by that much at most.

A claim is a lease: an attempt whose turn comes only after the lease has run out is not made
(another sender may have the delivery by then), and one whose lease ran out while it was made
is recorded only if no other sender has claimed the delivery since (``store.deliveries.record``).

A webhook's signing secrets are opened (decrypted) here, just before the request, and live only
for it: the claim brings them sealed, with the endpoint's URL as it is at that moment.

Time is read when it is needed — at the claim, when an attempt starts and when it ends — so that
a retry is scheduled from when the attempt failed, not from when a long pass began. It is
injectable: ``run_once(now=…)`` acts as if it were ``now`` throughout the pass, so tests walk
through a day of retries or reach the digest hour without waiting; a ``clock`` given to the
sender is read instead of the real one.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from services.notifications.adapters.mail import Mailer, compose
from services.notifications.adapters.webhooks import WebhookClient
from services.notifications.domain.digests import digest_slot
from services.notifications.domain.messages import email_text, render
from services.notifications.domain.outcome import Sent
from services.notifications.domain.retries import RetryPolicy
from services.notifications.domain.signing_secrets import SecretUnreadable, SigningSecrets
from services.notifications.store.deliveries import Claimed, claim, make_digests, record
from services.notifications.store.retention import Erased, erase_expired
from shared.config import Settings

log = logging.getLogger(__name__)

CHANNELS = ("email", "webhook")
#: How often the e-mail loop erases what is past its retention (``store/retention.py``).
ERASE_EVERY = timedelta(hours=1)


@dataclass
class Pass:
    """What one pass of the sender did."""

    digests: int = 0
    claimed: int = 0
    erased: Erased | None = None  # when this pass erased what is past its retention
    statuses: dict[str, int] = field(default_factory=dict)
    #: Claimed deliveries whose attempt was not recorded: the lease ran out before its turn (it
    #: was not made) or while it was made and another sender has the delivery now, or the
    #: database failed. Each is claimed again when its lease has run out.
    unrecorded: int = 0


class Sender:
    """Sends due deliveries; ``run()`` until ``stop()``, or ``run_once()`` a pass at a time."""

    kind = "sender"

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        *,
        clock: Callable[[], datetime] | None = None,
        rng: random.Random | None = None,
        webhooks: WebhookClient | None = None,
    ) -> None:
        """``clock``, ``rng`` and ``webhooks`` (a client that trusts a test's certificate
        authority, say) replace the real ones in tests."""
        self.settings = settings
        self.engine = engine
        self.name = "notifications.sender"
        self.clock = clock or (lambda: datetime.now(UTC))
        self.rng = rng
        self.policy = RetryPolicy.from_settings(settings)
        self.mailer = Mailer(settings)
        self.webhooks = webhooks or WebhookClient(settings)
        self.signing_secrets = SigningSecrets.from_setting(
            settings.webhook_secret_keys, settings.webhook_secret_key_id
        )
        self._lease = timedelta(seconds=settings.sender_lease_seconds)
        self._pools = {
            channel: ThreadPoolExecutor(
                settings.sender_concurrency, thread_name_prefix=f"{self.name}.{channel}"
            )
            for channel in CHANNELS
        }
        self._stopping = threading.Event()
        self._next_erase: datetime | None = None
        self.ready = threading.Event()

    # --- one pass -----------------------------------------------------------------------------

    def run_once(
        self,
        now: datetime | None = None,
        channels: tuple[str, ...] = CHANNELS,
        digests: bool = True,
    ) -> Pass:
        """Make the digests that are due, then send every delivery due on these channels."""
        clock = self.clock if now is None else lambda: now
        done = Pass()
        if digests:
            started = clock()
            slot = digest_slot(started, self.settings.notifications_digest_hour)
            done.digests = make_digests(self.engine, slot, started)
            if self._next_erase is None or started >= self._next_erase:
                done.erased = erase_expired(
                    self.engine, started, self.settings.notifications_retention_days
                )
                self._next_erase = started + ERASE_EVERY
        claimed = claim(
            self.engine, clock(), channels, self.settings.sender_batch_size, self._lease
        )
        done.claimed = len(claimed.deliveries) + claimed.cancelled
        if claimed.cancelled:
            done.statuses["cancelled"] = claimed.cancelled
        attempts = [
            self._pools[c.channel].submit(self._deliver, c, clock) for c in claimed.deliveries
        ]
        for future in as_completed(attempts):
            status = future.result()
            if status is None:
                done.unrecorded += 1
            else:
                done.statuses[status] = done.statuses.get(status, 0) + 1
        return done

    def _deliver(self, delivery: Claimed, clock: Callable[[], datetime]) -> str | None:
        """Attempt the delivery and record the attempt; its new status, or None if the attempt
        was not recorded. Never raises: whatever befalls one delivery, the others are recorded."""
        try:
            started_at = clock()
            if started_at >= delivery.lease_until:
                log.warning(
                    "delivery %s not attempted: its lease ran out before its turn",
                    delivery.id,
                    extra={"worker": self.name},
                )
                return None
            sent, duration_ms = self._attempt(delivery)
            next_attempt = None
            if sent.outcome == "retry":
                ended = clock()
                first = delivery.first_attempt_at or started_at
                next_attempt = self.policy.next_attempt(delivery.attempt, first, ended, self.rng)
            status = record(self.engine, delivery, sent, started_at, duration_ms, next_attempt)
        except Exception:  # the database, say: the lease runs out and the delivery is retried
            log.exception(
                "the attempt at delivery %s could not be recorded",
                delivery.id,
                extra={"worker": self.name},
            )
            return None
        if status is None:
            log.warning(
                "delivery %s: attempt %d (%s) not recorded: its lease ran out and another sender "
                "has claimed it since",
                delivery.id,
                delivery.attempt,
                sent.error or sent.outcome,
                extra={"worker": self.name},
            )
        elif status == "failed":
            log.warning(
                "delivery %s failed after %d attempts: %s",
                delivery.id,
                delivery.attempt,
                sent.error,
                extra={"worker": self.name},
            )
        return status

    def _attempt(self, delivery: Claimed) -> tuple[Sent, int]:
        started = time.perf_counter()
        try:
            sent = self._send(delivery)
        except Exception as exc:  # a bug must neither stop the sender nor lose the delivery
            log.exception("sending delivery %s failed", delivery.id, extra={"worker": self.name})
            sent = Sent("retry", None, type(exc).__name__)
        return sent, round((time.perf_counter() - started) * 1000)

    def _send(self, delivery: Claimed) -> Sent:
        if delivery.channel == "email":
            if not delivery.address:
                return Sent("failed", None, "NoAddress")
            message = render(delivery.template, delivery.language, delivery.params)
            link = self.settings.notifications_link_base.rstrip("/") + delivery.link
            return self.mailer.send(
                compose(
                    self.settings,
                    delivery.address,
                    delivery.language,
                    message.title,
                    email_text(message, delivery.language, link),
                    delivery.message_id,
                )
            )
        if delivery.channel == "webhook":
            if delivery.url is None or delivery.endpoint_id is None or not delivery.secrets:
                return Sent("failed", None, "EndpointGone")
            try:
                secrets = [
                    self.signing_secrets.open(delivery.endpoint_id, sealed)
                    for sealed in delivery.secrets
                ]
            except SecretUnreadable as exc:
                # Retried: the operator may yet configure the key it was sealed with.
                log.error(
                    "webhook endpoint %s: its signing secret cannot be read: %s",
                    delivery.endpoint_id,
                    exc,
                    extra={"worker": self.name},
                )
                return Sent("retry", None, "SecretUnreadable")
            body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":"))
            return self.webhooks.send(delivery.url, secrets, delivery.message_id, body)
        return Sent("failed", None, f"UnknownChannel {delivery.channel}")

    # --- life cycle ---------------------------------------------------------------------------

    def run(self) -> None:
        """One loop per channel until ``stop()``; the e-mail loop also makes the digests."""
        log.info("sending e-mails and webhooks", extra={"worker": self.name})
        loops = [
            threading.Thread(
                target=self._loop,
                args=((channel,), channel == "email"),
                name=f"{self.name}.{channel}",
            )
            for channel in CHANNELS
        ]
        for loop in loops:
            loop.start()
        self.ready.set()
        for loop in loops:
            loop.join()
        self.close()
        log.info("sender stopped", extra={"worker": self.name})

    def _loop(self, channels: tuple[str, ...], digests: bool) -> None:
        while not self._stopping.is_set():
            try:
                done = self.run_once(channels=channels, digests=digests)
            except sa.exc.SQLAlchemyError:
                log.exception(
                    "cannot reach the database; trying again", extra={"worker": self.name}
                )
                done = Pass()
            if done.claimed < self.settings.sender_batch_size:
                self._stopping.wait(self.settings.sender_poll_interval)

    def stop(self) -> None:
        self._stopping.set()

    def close(self) -> None:
        for pool in self._pools.values():
            pool.shutdown(wait=True)
        self.webhooks.close()


def build_sender(settings: Settings, engine: Engine) -> Sender:
    return Sender(settings, engine)
