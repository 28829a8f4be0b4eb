"""Notifications: the dead letters admins list, replay and discard (``dead_letter``: one row per
dead-lettered message, metadata only), and the append-only log of what admins did with them
(``audit_entry``; a trigger refuses UPDATE, DELETE and TRUNCATE).

Messages dead-lettered before this revision have no row: they stay in their dead-letter queues
(``GET /v1/dead-letters/queues`` shows each queue's depth beside its waiting rows).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dead_letter",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("queue", sa.Text, nullable=False),
        sa.Column("message_key", sa.Text, nullable=False),
        sa.Column("event_types", postgresql.ARRAY(sa.Text), nullable=False),
        sa.Column("event_ids", postgresql.ARRAY(sa.Text), nullable=False),
        sa.Column("event_count", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("death_count", sa.Integer, nullable=False, server_default="1"),
        sa.Column(
            "first_dead_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
        sa.Column(
            "last_dead_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
        sa.Column("state", sa.Text, nullable=False, server_default="waiting"),
        sa.Column("replays", sa.Integer, nullable=False, server_default="0"),
        sa.Column("handled_by", sa.Text),
        sa.Column("handled_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint(
            "state IN ('waiting', 'replayed', 'discarded')", name="dead_letter_state_known"
        ),
        sa.UniqueConstraint("queue", "message_key", name="dead_letter_once_per_message"),
    )
    op.create_index("dead_letter_by_queue", "dead_letter", ["queue", "state", "id"])
    op.create_index("dead_letter_by_state", "dead_letter", ["state", "id"])
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("organisation", sa.Text),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("dead_letter_id", sa.BigInteger),
        sa.Column("queue", sa.Text),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("request_id", sa.Text),
    )
    op.create_index("audit_entry_by_dead_letter", "audit_entry", ["dead_letter_id", "id"])
    # Append-only: the database itself refuses to change or remove an entry.
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
    op.drop_table("audit_entry")
    op.drop_table("dead_letter")
