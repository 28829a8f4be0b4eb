"""Pilots: cases, their transitions and tasks, the timeline, scheduled notices, and the append-only
audit log of client-level access.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "pilot_case",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("pilot_id", sa.Text, sa.ForeignKey("pilot.id"), nullable=False),
        sa.Column("key_id", sa.Text, nullable=False),
        sa.Column("pseudonym", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("closing_reason", sa.Text),
        sa.Column("responsible_worker", sa.Text),
        sa.Column("age_band", sa.Text),
        sa.Column("gender", sa.Text),
        sa.Column("home_region", sa.Text),
        sa.Column("referred_on", sa.Date),
        sa.Column("enrolled_at", sa.DateTime(timezone=True)),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        *_timestamps(),
        sa.UniqueConstraint("pilot_id", "key_id", "pseudonym", name="case_client_in_pilot"),
    )
    op.create_index("case_by_pilot_state", "pilot_case", ["pilot_id", "state", "id"])
    op.create_table(
        "case_transition",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("case_id", sa.Text, sa.ForeignKey("pilot_case.id"), nullable=False),
        sa.Column("from_state", sa.Text),
        sa.Column("to_state", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("closing_reason", sa.Text),
        sa.Column("by_subject", sa.Text, nullable=False),
        sa.Column("by_role", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("case_transition_by_case", "case_transition", ["case_id", "id"])
    op.create_table(
        "case_task",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("case_id", sa.Text, sa.ForeignKey("pilot_case.id"), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("assignee", sa.Text, nullable=False),
        sa.Column("done", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("done_at", sa.DateTime(timezone=True)),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        *_timestamps(),
    )
    op.create_index("case_task_by_case", "case_task", ["case_id", "id"])
    op.create_index(
        "case_task_open_by_due", "case_task", ["due_on"], postgresql_where=sa.text("NOT done")
    )
    op.create_table(
        "timeline_entry",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("pilot_id", sa.Text, nullable=False),
        sa.Column("key_id", sa.Text, nullable=False),
        sa.Column("pseudonym", sa.Text, nullable=False),
        sa.Column("event_id", sa.Text, nullable=False, unique=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", postgresql.JSONB, nullable=False),
    )
    op.create_index(
        "timeline_by_client",
        "timeline_entry",
        ["pilot_id", "key_id", "pseudonym", "occurred_at", "id"],
    )
    op.create_table(
        "scheduled_notice",
        sa.Column("kind", sa.Text, primary_key=True),
        sa.Column("subject_id", sa.Text, primary_key=True),
        sa.Column("occurrence", sa.Text, primary_key=True),
        sa.Column("event_id", sa.Text, nullable=False),
        sa.Column(
            "sent_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("organisation", sa.Text),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("case_id", sa.Text, nullable=False),
        sa.Column("pilot_id", sa.Text, nullable=False),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("request_id", sa.Text),
        sa.Column("previous_hash", sa.Text, nullable=False),
        sa.Column("hash", sa.Text, nullable=False),
    )
    op.create_index("audit_by_case", "audit_entry", ["case_id", "id"])
    # Append-only: the database itself refuses to change or remove an audit entry.
    op.execute(
        "CREATE FUNCTION audit_entry_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$"
    )
    op.execute(
        "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
        "ON audit_entry FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_is_append_only()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER audit_entry_append_only ON audit_entry")
    op.execute("DROP FUNCTION audit_entry_is_append_only()")
    for table in (
        "audit_entry",
        "scheduled_notice",
        "timeline_entry",
        "case_task",
        "case_transition",
        "pilot_case",
    ):
        op.drop_table(table)
