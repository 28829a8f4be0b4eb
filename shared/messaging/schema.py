"""The platform tables that every service's first migration creates in its own database.

``outbox`` holds events written in the same transaction as the change they describe until the
relay has them confirmed by the broker. ``processed_event`` is the consumers' idempotency record:
one row per (consumer, event id), written in the same transaction as the handler's effect.
``worker_counter`` keeps what the relays and consumers count (events published, confirmed,
duplicates received) where ``/metrics`` can read it: workers serve no HTTP themselves.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

platform_metadata = sa.MetaData()

outbox = sa.Table(
    "outbox",
    platform_metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("event_id", sa.Text, nullable=False, unique=True),
    sa.Column("event_type", sa.Text, nullable=False),
    sa.Column("headers", postgresql.JSONB, nullable=False, server_default="{}"),
    sa.Column("payload", sa.LargeBinary, nullable=False),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Index("outbox_unsent", "id", postgresql_where=sa.text("sent_at IS NULL")),
    sa.Index("outbox_sent_at", "sent_at", postgresql_where=sa.text("sent_at IS NOT NULL")),
)

processed_event = sa.Table(
    "processed_event",
    platform_metadata,
    sa.Column("consumer", sa.Text, primary_key=True),
    sa.Column("event_id", sa.Text, primary_key=True),
    sa.Column(
        "processed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
)


#: Append-only: each count is a row of its own, summed when read. Counting by updating one row
#: per counter would make a hot row that a relay's open claim transactions keep from being
#: vacuumed — every update then walks a longer chain of dead versions (it once took a core).
worker_counter = sa.Table(
    "worker_counter",
    platform_metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("worker", sa.Text, nullable=False),
    sa.Column("counter", sa.Text, nullable=False),
    sa.Column("value", sa.BigInteger, nullable=False),
    sa.Column(
        "counted_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
)

_COUNT = (
    "INSERT INTO worker_counter (worker, counter, value) "
    "SELECT %(worker)s, c.counter, c.value FROM unnest(%(counters)s::text[], %(values)s::bigint[]) "
    "AS c(counter, value)"
)
# Rows older than a minute become one row per counter (two relays compacting at once: the second
# finds the rows deleted and adds nothing).
_COMPACT = (
    "WITH old AS (DELETE FROM worker_counter WHERE counted_at < now() - interval '1 minute' "
    "RETURNING worker, counter, value) INSERT INTO worker_counter (worker, counter, value, "
    "counted_at) SELECT worker, counter, sum(value), now() - interval '1 minute' FROM old "
    "GROUP BY worker, counter"
)


def count(driver_connection: Any, worker: str, amounts: dict[str, int]) -> None:
    """Add to a worker's counters, in the caller's transaction (a row, never an update)."""
    names = sorted(name for name, n in amounts.items() if n)
    if names:
        driver_connection.execute(
            _COUNT, {"worker": worker, "counters": names, "values": [amounts[n] for n in names]}
        )


def compact_counts(driver_connection: Any) -> None:
    """Sum the counts older than a minute into one row per counter."""
    driver_connection.execute(_COMPACT)


def counts(connection: sa.Connection) -> list[tuple[str, str, int]]:
    """(worker, counter, total) of every counter."""
    return [
        (worker, counter, int(total))
        for worker, counter, total in connection.execute(
            sa.select(
                worker_counter.c.worker,
                worker_counter.c.counter,
                sa.func.sum(worker_counter.c.value),
            ).group_by(worker_counter.c.worker, worker_counter.c.counter)
        )
    ]


def create_platform_tables(bind: sa.Connection) -> None:
    """Used by each service's first Alembic revision."""
    platform_metadata.create_all(bind, tables=[outbox, processed_event])


def drop_platform_tables(bind: sa.Connection) -> None:
    platform_metadata.drop_all(bind, tables=[outbox, processed_event])
