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


worker_counter = sa.Table(
    "worker_counter",
    platform_metadata,
    sa.Column("worker", sa.Text, primary_key=True),
    sa.Column("counter", sa.Text, primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)


def create_platform_tables(bind: sa.Connection) -> None:
    """Used by each service's first Alembic revision."""
    platform_metadata.create_all(bind, tables=[outbox, processed_event])


_COUNT = (
    "INSERT INTO worker_counter (worker, counter, value) "
    "SELECT %(worker)s, c.counter, c.value FROM unnest(%(counters)s::text[], %(values)s::bigint[]) "
    "AS c(counter, value) ORDER BY c.counter "
    "ON CONFLICT (worker, counter) DO UPDATE SET value = worker_counter.value + EXCLUDED.value"
)


def count(driver_connection: Any, worker: str, counts: dict[str, int]) -> None:
    """Add to a worker's counters, in the caller's transaction (counters in name order, so
    that two transactions never wait on each other's rows in a cycle)."""
    counts = {name: n for name, n in counts.items() if n}
    if counts:
        names = sorted(counts)
        driver_connection.execute(
            _COUNT, {"worker": worker, "counters": names, "values": [counts[n] for n in names]}
        )


def drop_platform_tables(bind: sa.Connection) -> None:
    platform_metadata.drop_all(bind, tables=[outbox, processed_event])
