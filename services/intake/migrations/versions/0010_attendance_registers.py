"""Intake: attendance registers — a session of an activity (by its start) and each case's mark in
it, with the participation event that records the mark now (a changed mark's new event corrects
the earlier one, which stays stored).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attendance_session",
        sa.Column("activity_id", sa.Text, primary_key=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("pilot_id", sa.Text, nullable=False),
        sa.Column("duration_minutes", sa.Integer, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_table(
        "attendance_mark",
        sa.Column("activity_id", sa.Text, primary_key=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("case_id", sa.Text, primary_key=True),
        sa.Column("attendance", sa.Text, nullable=False),
        sa.Column("duration_minutes", sa.Integer, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("event_id", sa.Text, nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.ForeignKeyConstraint(
            ["activity_id", "starts_at"],
            ["attendance_session.activity_id", "attendance_session.starts_at"],
            name="attendance_mark_session",
        ),
    )


def downgrade() -> None:
    op.drop_table("attendance_mark")
    op.drop_table("attendance_session")
