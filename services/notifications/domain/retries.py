"""When to try a failed delivery again: exponential back-off with full jitter, within a window.

After the n-th failed attempt the next waits a random time between 0 and ``base·2ⁿ⁻¹`` seconds
(never more than ``cap``) — full jitter, so that many deliveries failing together (a receiver
that was down) do not all come back at the same moment. Retrying stops ``window`` after the first
attempt: the last try is made at the end of the window, and if it fails too the delivery is
failed for good.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.config import Settings


@dataclass(frozen=True)
class RetryPolicy:
    base: timedelta
    cap: timedelta
    window: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(
            base=timedelta(seconds=settings.delivery_retry_base_seconds),
            cap=timedelta(seconds=settings.delivery_retry_max_delay_seconds),
            window=timedelta(hours=settings.delivery_retry_window_hours),
        )

    def ceiling(self, attempts: int) -> timedelta:
        """The longest wait after ``attempts`` failed attempts (1 or more)."""
        exponent = min(max(attempts, 1) - 1, 40)  # 2**40 base periods is far past any cap
        return min(self.cap, self.base * (2**exponent))

    def next_attempt(
        self,
        attempts: int,
        first_attempt_at: datetime,
        now: datetime,
        rng: random.Random | None = None,
    ) -> datetime | None:
        """When to try again after ``attempts`` failed attempts, or None: give up."""
        deadline = first_attempt_at + self.window
        if now >= deadline:
            return None
        ceiling = self.ceiling(attempts).total_seconds()
        delay = (rng or _jitter).uniform(0, ceiling)
        return min(now + timedelta(seconds=delay), deadline)


_jitter = random.Random()  # noqa: S311 - jitter, not security
