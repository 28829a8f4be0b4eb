"""Intake: the case map learns when a case ended (``case_map.ended_at``, from the pilots service's
``case.transitioned`` to closed or declined): an ended case is still found by a look-up (the
young person's history), but no item or attendance register may name it any more.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("case_map", sa.Column("ended_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    op.drop_column("case_map", "ended_at")
