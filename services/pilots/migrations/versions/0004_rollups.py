"""Pilots: the roll-up of distinct young people per base cell, for the coordinators' aggregates.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agg_member",
        sa.Column("measure", sa.Text, primary_key=True),
        sa.Column("month", sa.Date, primary_key=True),
        sa.Column("pilot_id", sa.Text, primary_key=True),
        sa.Column("region", sa.Text, primary_key=True),
        sa.Column("gender", sa.Text, primary_key=True),
        sa.Column("age_band", sa.Text, primary_key=True),
        sa.Column("activity_type", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, primary_key=True),
        sa.Column("person", sa.Text, primary_key=True),
        sa.Column("record_key", sa.BigInteger, nullable=False),
        sa.Column("events", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("agg_member")
