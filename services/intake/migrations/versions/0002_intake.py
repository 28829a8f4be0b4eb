"""Intake: reference data copy, clients, events, idempotent requests.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pilot_ref",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("starts_on", sa.Date),
        sa.Column("ends_on", sa.Date),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "activity_ref",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("pilot_id", sa.Text, nullable=False),
        sa.Column("activity_type", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "instrument_ref",
        sa.Column("code", sa.Text, primary_key=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("min_value", sa.Numeric),
        sa.Column("max_value", sa.Numeric),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "client",
        sa.Column("key_id", sa.Text, primary_key=True),
        sa.Column("pseudonym", sa.Text, primary_key=True),
        sa.Column("birth_year", sa.SmallInteger),
        sa.Column("birth_month", sa.SmallInteger),
        sa.Column("gender", sa.Text),
        sa.Column("home_region", sa.Text),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_table(
        "intake_event",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("source_system", sa.Text, nullable=False),
        sa.Column("source_id", sa.Text, nullable=False),
        sa.Column("pilot_id", sa.Text, nullable=False),
        sa.Column("key_id", sa.Text, nullable=False),
        sa.Column("pseudonym", sa.Text, nullable=False),
        sa.Column("data", postgresql.JSONB, nullable=False),
        sa.Column("import_id", sa.Text),
        sa.Column(
            "received_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.UniqueConstraint("kind", "source_system", "source_id", name="intake_event_source"),
    )
    op.create_table(
        "idempotent_request",
        sa.Column("principal", sa.Text, primary_key=True),
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("status", sa.SmallInteger, nullable=False),
        sa.Column("body", postgresql.JSONB, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )


def downgrade() -> None:
    for table in (
        "idempotent_request",
        "intake_event",
        "client",
        "instrument_ref",
        "activity_ref",
        "pilot_ref",
    ):
        op.drop_table(table)
