"""Pilots: when a case ended (``ended_at``, set as it is closed or declined; existing ended cases
take the time of their last move) and when it was made anonymous (``anonymised_at``), for the
retention of ended cases (CASE_RETENTION_MONTHS).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("pilot_case", sa.Column("ended_at", sa.DateTime(timezone=True)))
    op.add_column("pilot_case", sa.Column("anonymised_at", sa.DateTime(timezone=True)))
    op.execute(
        "UPDATE pilot_case c SET ended_at = (SELECT max(t.at) FROM case_transition t "
        "WHERE t.case_id = c.id) WHERE c.state IN ('closed', 'declined')"
    )
    op.create_index(
        "case_due_for_retention",
        "pilot_case",
        ["ended_at", "id"],
        postgresql_where=sa.text("ended_at IS NOT NULL AND anonymised_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("case_due_for_retention", "pilot_case")
    op.drop_column("pilot_case", "anonymised_at")
    op.drop_column("pilot_case", "ended_at")
