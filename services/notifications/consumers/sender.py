"""The sender: sends what the consumer decided — e-mails and webhooks — with retries, and makes
the daily digests, and erases what is past its retention. Run it as its own process: ``turvaverkko worker notifications sender``.

Sending is apart from consuming: the consumer only writes deliveries, so a slow SMTP server or a
dead webhook receiver never holds back the queue. Here each channel has its own loop and its own
threads, so a mail server that hangs does not hold back webhooks either. Each pass claims the
deliveries that are due (``store.deliveries.claim``), sends them in parallel, and records every
attempt; a failed attempt is retried with exponential back-off and full jitter for up to the
retry window (24 hours) from the first attempt, then failed — visible in the delivery log.

A webhook's signing secrets are opened (decrypted) here, just before the request, and live only
for it: the claim brings them sealed, with the endpoint's URL as it is at that moment.

Time is injectable: ``run_once(now=…)`` acts as if it were ``now``, so tests walk through a day
of retries or reach the digest hour without waiting.
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
from services.notifications.adapters.outcome import Sent
from services.notifications.adapters.webhooks import WebhookClient
from services.notifications.domain.digests import digest_slot
from services.notifications.domain.messages import email_text, render
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
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.name = "notifications.sender"
        self.clock = clock or (lambda: datetime.now(UTC))
        self.rng = rng
        self.policy = RetryPolicy.from_settings(settings)
        self.mailer = Mailer(settings)
        self.webhooks = WebhookClient(settings)
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
        now = now or self.clock()
        done = Pass()
        if digests:
            slot = digest_slot(now, self.settings.notifications_digest_hour)
            done.digests = make_digests(self.engine, slot, now)
            if self._next_erase is None or now >= self._next_erase:
                done.erased = erase_expired(
                    self.engine, now, self.settings.notifications_retention_days
                )
                self._next_erase = now + ERASE_EVERY
        claimed = claim(self.engine, now, channels, self.settings.sender_batch_size, self._lease)
        done.claimed = len(claimed)
        attempts = {self._pools[c.channel].submit(self._attempt, c): c for c in claimed}
        for future in as_completed(attempts):
            delivery = attempts[future]
            sent, duration_ms = future.result()
            next_attempt = None
            if sent.outcome == "retry":
                first = delivery.first_attempt_at or now
                next_attempt = self.policy.next_attempt(delivery.attempt, first, now, self.rng)
            status = record(self.engine, delivery, sent, now, duration_ms, next_attempt)
            done.statuses[status] = done.statuses.get(status, 0) + 1
            if status == "failed":
                log.warning(
                    "delivery %s failed after %d attempts: %s",
                    delivery.id,
                    delivery.attempt,
                    sent.error,
                    extra={"worker": self.name},
                )
        return done

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
