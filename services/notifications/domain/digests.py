"""The daily digest's clock: one digest a day, at a configured hour of Finnish time.

A digest is made for a *slot* — the latest digest time at or before now. It takes every message
held for the user and channel before that slot; one made at a slot is the only one for that slot
(the database keeps it unique), so however often or however many senders look, each user gets at
most one digest per channel per day, and a message held after today's slot waits for tomorrow's.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

#: Digests follow the working day of the people who read them (the one calendar, Finnish time).
from shared.calendar import HELSINKI

__all__ = ["HELSINKI", "digest_slot"]


def digest_slot(now: datetime, hour: int) -> datetime:
    """The latest digest time (``hour``:00 Finnish time) at or before ``now`` (aware)."""
    local = now.astimezone(HELSINKI)
    day = local.date()
    slot = datetime.combine(day, time(hour), HELSINKI)
    if slot > local:
        slot = datetime.combine(day - timedelta(days=1), time(hour), HELSINKI)
    return slot
