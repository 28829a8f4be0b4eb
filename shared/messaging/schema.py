"""The platform tables that every service's first migration creates in its own database.

``outbox`` holds events written in the same transaction as the change they describe until the
relay has them confirmed by the broker. ``processed_event`` is the consumers' idempotency record:
one row per (consumer, event id), written in the same transaction as the handler's effect.
"""

from __future__ import annotations

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


def create_platform_tables(bind: sa.Connection) -> None:
    """Used by each service's first Alembic revision."""
    platform_metadata.create_all(bind, tables=[outbox, processed_event])


def drop_platform_tables(bind: sa.Connection) -> None:
    platform_metadata.drop_all(bind, tables=[outbox, processed_event])
