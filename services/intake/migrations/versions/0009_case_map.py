"""Intake: the case map — intake's own copy of the cases the pilots service opens
(``case.opened``, ``case.anonymised``): case id, case code, pilot, the young person's pseudonyms
and state — and an append-only, hash-chained audit log of what is looked up through it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_map",
        sa.Column("case_id", sa.Text, primary_key=True),
        sa.Column("case_code", sa.Text),
        sa.Column("pilot_id", sa.Text, nullable=False),
        sa.Column("key_id", sa.Text),
        sa.Column("pseudonym", sa.Text),
        sa.Column("previous_case_id", sa.Text),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint(
            "(state = 'open' AND key_id IS NOT NULL AND pseudonym IS NOT NULL "
            "AND case_code IS NOT NULL) OR (state = 'anonymised' AND key_id IS NULL "
            "AND pseudonym IS NULL AND case_code IS NULL)",
            name="case_map_state",
        ),
    )
    op.create_table(
        "case_pseudonym",
        sa.Column("key_id", sa.Text, primary_key=True),
        sa.Column("pseudonym", sa.Text, primary_key=True),
        sa.Column("case_id", sa.Text, primary_key=True),
    )
    op.create_index("case_pseudonym_by_case", "case_pseudonym", ["case_id"])
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("organisation", sa.Text),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("case_ids", postgresql.ARRAY(sa.Text), nullable=False),
        sa.Column("request_id", sa.Text),
        sa.Column("previous_hash", sa.Text, nullable=False),
        sa.Column("hash", sa.Text, nullable=False),
    )
    op.create_index("audit_by_case", "audit_entry", ["case_ids"], postgresql_using="gin")
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
    for table in ("audit_entry", "case_pseudonym", "case_map"):
        op.drop_table(table)
