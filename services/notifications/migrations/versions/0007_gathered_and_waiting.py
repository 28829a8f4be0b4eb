"""Notifications: idle cases gathered — one inbox item and at most one e-mail per recipient, pilot
and day (``gather_key`` on ``notification`` and ``delivery``, unique per recipient and per
channel and destination) — and events that wait for their pilot's copy (``waiting_event``).

Existing rows get no key (``NULL``): items and deliveries made before are left as they are, each
one per event, and the unique indexes cover only keyed rows.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEYED = sa.text("gather_key IS NOT NULL")


def upgrade() -> None:
    op.add_column("notification", sa.Column("gather_key", sa.Text))
    op.create_index(
        "notification_gathered",
        "notification",
        ["recipient", "gather_key"],
        unique=True,
        postgresql_where=_KEYED,
    )
    op.add_column("delivery", sa.Column("gather_key", sa.Text))
    op.create_index(
        "delivery_gathered",
        "delivery",
        ["channel", "destination", "gather_key"],
        unique=True,
        postgresql_where=_KEYED,
    )
    op.create_table(
        "waiting_event",
        sa.Column("event_id", sa.Text, primary_key=True),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pilot_id", sa.Text, nullable=False),
        sa.Column("data", postgresql.JSONB, nullable=False),
        sa.Column(
            "received_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_index("waiting_event_by_pilot", "waiting_event", ["pilot_id", "event_id"])


def downgrade() -> None:
    op.drop_table("waiting_event")
    op.drop_index("delivery_gathered", "delivery")
    op.drop_column("delivery", "gather_key")
    op.drop_index("notification_gathered", "notification")
    op.drop_column("notification", "gather_key")
