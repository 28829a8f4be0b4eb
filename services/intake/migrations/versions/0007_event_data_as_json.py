"""Intake: ``intake_event.data`` — the event's data as it was published — is kept as ``json`` (its
text as sent) instead of ``jsonb``. Nothing queries inside it; storing it as ``jsonb`` made
PostgreSQL parse every event's data a second time into its binary form, a seventh of a bulk
import's time on the one connection that stores the batches in order.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE intake_event ALTER COLUMN data TYPE json USING data::json")


def downgrade() -> None:
    op.execute("ALTER TABLE intake_event ALTER COLUMN data TYPE jsonb USING data::jsonb")
