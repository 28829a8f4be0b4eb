"""The one calendar of the system: Finnish time. A day, a due date, a month or a digest's hour
means one in Helsinki, whatever zone a server runs in."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

HELSINKI = ZoneInfo("Europe/Helsinki")


def start_of(day: date) -> datetime:
    """Midnight at the start of ``day`` in Helsinki."""
    return datetime.combine(day, time(0), HELSINKI)


def months_before(moment: datetime, months: int) -> datetime:
    """The same wall-clock moment ``months`` calendar months earlier in Helsinki (the last day of
    a shorter month when the day does not exist there)."""
    local = moment.astimezone(HELSINKI)
    index = local.year * 12 + (local.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    following = date(year + (month == 12), month % 12 + 1, 1)
    last_day = (following - date.resolution).day
    return local.replace(year=year, month=month, day=min(local.day, last_day))
