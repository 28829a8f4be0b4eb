"""When a failed delivery is tried again (exponential back-off with full jitter, for up to 24
hours from the first attempt), when the daily digest is due (a configured hour of Finnish time),
and the settings that say so."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from services.notifications.domain.digests import HELSINKI, digest_slot
from services.notifications.domain.retries import RetryPolicy
from shared.config import ConfigError, Settings

POLICY = RetryPolicy.from_settings(Settings.from_env({}))
START = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def test_the_longest_wait_doubles_from_thirty_seconds_up_to_an_hour() -> None:
    ceilings = [POLICY.ceiling(n).total_seconds() for n in range(1, 11)]
    assert ceilings == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]
    assert POLICY.ceiling(10_000) == timedelta(hours=1)


def test_each_wait_is_a_random_time_up_to_its_ceiling() -> None:
    rng = random.Random(7)
    for attempts in (1, 3, 9):
        waits = [
            (POLICY.next_attempt(attempts, START, START, rng) - START).total_seconds()  # type: ignore[operator]
            for _ in range(2000)
        ]
        ceiling = POLICY.ceiling(attempts).total_seconds()
        assert min(waits) >= 0 and max(waits) <= ceiling
        assert min(waits) < ceiling * 0.05 and max(waits) > ceiling * 0.95  # full jitter
        assert abs(sum(waits) / len(waits) - ceiling / 2) < ceiling * 0.05


def test_retrying_ends_24_hours_after_the_first_attempt() -> None:
    rng = random.Random(1)
    late = START + timedelta(hours=23, minutes=59)
    assert POLICY.next_attempt(40, START, late, rng) == START + timedelta(hours=24)
    assert POLICY.next_attempt(41, START, START + timedelta(hours=24), rng) is None
    assert POLICY.next_attempt(41, START, START + timedelta(hours=25), rng) is None


@pytest.mark.parametrize(
    ("local_now", "slot"),
    [
        (datetime(2026, 11, 27, 6, 59), datetime(2026, 11, 26, 7, 0)),
        (datetime(2026, 11, 27, 7, 0), datetime(2026, 11, 27, 7, 0)),
        (datetime(2026, 11, 27, 23, 30), datetime(2026, 11, 27, 7, 0)),
        (datetime(2026, 3, 29, 8, 0), datetime(2026, 3, 29, 7, 0)),  # summer time began at 3
        (datetime(2026, 10, 25, 6, 0), datetime(2026, 10, 24, 7, 0)),  # and ends at 4
    ],
)
def test_the_digest_slot_is_the_latest_digest_hour_in_finnish_time(
    local_now: datetime, slot: datetime
) -> None:
    now = local_now.replace(tzinfo=HELSINKI).astimezone(UTC)
    assert digest_slot(now, 7) == slot.replace(tzinfo=HELSINKI)


def test_a_digest_slot_is_a_day_apart_across_a_change_of_clocks() -> None:
    before = digest_slot(datetime(2026, 3, 28, 12, 0, tzinfo=HELSINKI), 7)
    after = digest_slot(datetime(2026, 3, 29, 12, 0, tzinfo=HELSINKI), 7)
    elapsed = after.astimezone(UTC) - before.astimezone(UTC)
    assert elapsed == timedelta(hours=23)  # a calendar day; the clock moved forward an hour
    assert after.astimezone(HELSINKI).hour == 7


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TURVAVERKKO_SMTP_SECURITY", "ssl3"),
        ("TURVAVERKKO_NOTIFICATIONS_DIGEST_HOUR", "24"),
        ("TURVAVERKKO_SENDER_LEASE_SECONDS", "5"),
    ],
)
def test_notification_settings_that_cannot_work_are_refused(variable: str, value: str) -> None:
    with pytest.raises(ConfigError, match=variable.removeprefix("TURVAVERKKO_")):
        Settings.from_env({variable: value})


def test_notification_settings_are_read_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "TURVAVERKKO_SMTP_HOST": "smtp.example.org",
            "TURVAVERKKO_SMTP_PORT": "587",
            "TURVAVERKKO_SMTP_SECURITY": "starttls",
            "TURVAVERKKO_NOTIFICATIONS_LINK_BASE": "https://turvaverkko.example.org",
            "TURVAVERKKO_DELIVERY_RETRY_WINDOW_HOURS": "12",
        }
    )
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_security) == (
        "smtp.example.org",
        587,
        "starttls",
    )
    assert RetryPolicy.from_settings(settings).window == timedelta(hours=12)
