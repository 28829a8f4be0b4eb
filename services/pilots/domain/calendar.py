"""The pilots' working calendar: Finnish time. A day, a due date or a month means one in Helsinki."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

HELSINKI = ZoneInfo("Europe/Helsinki")


def start_of(day: date) -> datetime:
    """Midnight at the start of ``day`` in Helsinki."""
    return datetime.combine(day, time(0), HELSINKI)
