"""Retention: what the notifications service keeps, and for how long.

An inbox item tells a person what happened; a delivery and its attempts say how they were told.
Neither is needed for long, and both say something about a young person's case in aggregate (a
task, a referral in a pilot), so they are erased ``NOTIFICATIONS_RETENTION_DAYS`` after they were
made (inbox items) or finished (deliveries delivered, failed, gathered into a digest or
cancelled). Nothing still to be sent — pending or held for a digest — is erased. The sender erases
in bounded batches, at most once an hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

FINISHED = ("delivered", "failed", "digested", "cancelled")
BATCH = 5_000

_INBOX = sa.text(
    "DELETE FROM notification WHERE id IN "
    "(SELECT id FROM notification WHERE created_at < :cutoff LIMIT :batch)"
)
# One statement: the finished deliveries, less any that a delivery kept still names as its
# digest, with their attempts. Foreign keys are checked at the end of the statement, so a digest
# and the deliveries it gathered go together.
_DELIVERIES = sa.text(
    "WITH old AS (SELECT id FROM delivery WHERE status = ANY(:finished) AND updated_at < :cutoff "
    "LIMIT :batch), "
    "gone AS (SELECT id FROM old WHERE NOT EXISTS (SELECT 1 FROM delivery d "
    "WHERE d.digest_id = old.id AND d.id NOT IN (SELECT id FROM old))), "
    "attempts AS (DELETE FROM delivery_attempt WHERE delivery_id IN (SELECT id FROM gone)) "
    "DELETE FROM delivery WHERE id IN (SELECT id FROM gone)"
)


@dataclass
class Erased:
    inbox_items: int = 0
    deliveries: int = 0


def erase_expired(engine: Engine, now: datetime, days: int) -> Erased:
    """Erase what is older than the retention period, a batch per transaction."""
    cutoff = now - timedelta(days=days)
    erased = Erased()
    for statement, field, params in (
        (_INBOX, "inbox_items", {}),
        (_DELIVERIES, "deliveries", {"finished": list(FINISHED)}),
    ):
        while True:
            with engine.begin() as connection:
                count = connection.execute(
                    statement, {"cutoff": cutoff, "batch": BATCH, **params}
                ).rowcount
            setattr(erased, field, getattr(erased, field) + count)
            if count < BATCH:
                break
    return erased
