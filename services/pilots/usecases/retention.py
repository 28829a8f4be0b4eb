"""The retention pass: ended cases past ``CASE_RETENTION_MONTHS`` made anonymous, a batch per
transaction, until none is due (``store/retention.py`` says what is erased and what is kept).
The scheduler's worker (``workers/scheduler.py``) runs it after its checks; it logs how many cases it made anonymous —
never which."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from services.pilots.store import retention
from shared.calendar import months_before
from shared.db import UnitOfWork
from shared.messaging.envelope import Envelope, source_of
from shared.messaging.events import EventType

log = logging.getLogger(__name__)
SOURCE = source_of("pilots")


def run_retention(sessions: Callable[[], Session], now: datetime, months: int, batch: int) -> int:
    """Make every due case anonymous; returns how many."""
    cutoff = months_before(now, months)
    total = 0
    while True:
        with UnitOfWork(sessions) as uow:
            cases = retention.due(uow.session, cutoff, batch)
            for case in cases:
                retention.anonymise(uow.session, case, now)
                uow.publish(
                    Envelope.new(
                        EventType.CASE_ANONYMISED,
                        SOURCE,
                        {"case_id": case["id"], "pilot_id": case["pilot_id"]},
                        subject=f"case/{case['id']}",
                    )
                )
            uow.commit()
        total += len(cases)
        if len(cases) < batch:
            break
    if total:
        log.info("made %d ended cases anonymous (retention %d months)", total, months)
    return total
