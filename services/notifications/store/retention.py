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
_FINISHED_BEFORE = sa.text(
    "SELECT id FROM delivery WHERE status = ANY(:finished) AND updated_at < :cutoff "
    "AND id > :after ORDER BY id LIMIT :batch"
)
# The batch's deliveries, less any that a delivery kept still names as its digest, with their
# attempts, in one statement: foreign keys are checked at its end, so a digest and the deliveries
# it gathered may go together.
_ERASE_DELIVERIES = sa.text(
    "WITH gone AS (SELECT id FROM delivery WHERE id = ANY(:ids) AND NOT EXISTS "
    "(SELECT 1 FROM delivery d WHERE d.digest_id = delivery.id AND NOT d.id = ANY(:ids))), "
    "attempts AS (DELETE FROM delivery_attempt WHERE delivery_id IN (SELECT id FROM gone)) "
    "DELETE FROM delivery WHERE id IN (SELECT id FROM gone)"
)


@dataclass
class Erased:
    inbox_items: int = 0
    deliveries: int = 0


def erase_expired(engine: Engine, now: datetime, days: int, batch: int = BATCH) -> Erased:
    """Erase what is older than the retention period, a batch per transaction."""
    cutoff = now - timedelta(days=days)
    erased = Erased()
    while True:
        with engine.begin() as connection:
            count = connection.execute(_INBOX, {"cutoff": cutoff, "batch": batch}).rowcount
        erased.inbox_items += count
        if count < batch:
            break
    after = 0  # deliveries in id order, so that one kept (a digest still named) stops nothing
    while True:
        with engine.begin() as connection:
            ids = list(
                connection.execute(
                    _FINISHED_BEFORE,
                    {"finished": list(FINISHED), "cutoff": cutoff, "after": after, "batch": batch},
                ).scalars()
            )
            if ids:
                erased.deliveries += connection.execute(_ERASE_DELIVERIES, {"ids": ids}).rowcount
        if len(ids) < batch:
            return erased
        after = ids[-1]
