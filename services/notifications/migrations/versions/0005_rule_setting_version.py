"""Notifications: a rule's setting has a version, so that switching a rule takes ``If-Match``
like every other change.

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


def upgrade() -> None:
    op.add_column(
        "rule_setting", sa.Column("version", sa.Integer, nullable=False, server_default="1")
    )


def downgrade() -> None:
    op.drop_column("rule_setting", "version")
