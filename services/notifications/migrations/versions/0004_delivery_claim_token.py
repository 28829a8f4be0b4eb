"""Notifications: a delivery remembers which claim holds it (``claim_token``), so that a sender
whose lease ran out — and whose delivery another sender has claimed since — cannot record its
attempt over the other's.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("delivery", sa.Column("claim_token", sa.Text))


def downgrade() -> None:
    op.drop_column("delivery", "claim_token")
