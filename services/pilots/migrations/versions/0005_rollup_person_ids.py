"""Pilots: the roll-up counts young people by a small integer id (``agg_person``) and stamps each
membership with the transaction that added it, so that the aggregates API keeps an in-memory index
in step by reading only what is new.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CELL = ("measure", "month", "pilot_id", "region", "gender", "age_band", "activity_type", "kind")
_TXID = sa.text("(pg_current_xact_id()::text::bigint)")


def upgrade() -> None:
    op.create_table(
        "agg_person",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("person", sa.Text, nullable=False, unique=True),
        sa.Column("record_key", sa.BigInteger, nullable=False),
    )
    op.execute(
        "INSERT INTO agg_person (person, record_key) "
        "SELECT person, min(record_key) FROM agg_member GROUP BY person ORDER BY person"
    )
    op.add_column("agg_member", sa.Column("person_id", sa.Integer, nullable=True))
    op.execute(
        "UPDATE agg_member m SET person_id = p.id FROM agg_person p WHERE p.person = m.person"
    )
    op.drop_constraint("agg_member_pkey", "agg_member", type_="primary")
    op.drop_column("agg_member", "person")
    op.drop_column("agg_member", "record_key")
    op.alter_column("agg_member", "person_id", nullable=False)
    op.create_foreign_key(
        "agg_member_person_id_fkey", "agg_member", "agg_person", ["person_id"], ["id"]
    )
    op.create_primary_key("agg_member_pkey", "agg_member", [*_CELL, "person_id"])
    op.add_column(
        "agg_member", sa.Column("txid", sa.BigInteger, nullable=False, server_default=_TXID)
    )
    op.create_index("agg_member_txid", "agg_member", ["txid"])


def downgrade() -> None:
    op.drop_index("agg_member_txid", "agg_member")
    op.drop_column("agg_member", "txid")
    op.drop_constraint("agg_member_pkey", "agg_member", type_="primary")
    op.drop_constraint("agg_member_person_id_fkey", "agg_member", type_="foreignkey")
    op.add_column("agg_member", sa.Column("person", sa.Text, nullable=True))
    op.add_column("agg_member", sa.Column("record_key", sa.BigInteger, nullable=True))
    op.execute(
        "UPDATE agg_member m SET person = p.person, record_key = p.record_key "
        "FROM agg_person p WHERE p.id = m.person_id"
    )
    op.drop_column("agg_member", "person_id")
    op.alter_column("agg_member", "person", nullable=False)
    op.alter_column("agg_member", "record_key", nullable=False)
    op.create_primary_key("agg_member_pkey", "agg_member", [*_CELL, "person"])
    op.drop_table("agg_person")
