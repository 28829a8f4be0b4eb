"""Intake: what became of each row of an import, for ``GET /v1/imports/{id}/results``.

- ``intake_event.import_row``: the row of its import an accepted event came from (copied with the
  event by the import's COPY; NULL for items sent over the API and for events imported before this
  revision), with a partial index on ``(import_id, import_row)`` over imported events only.
- ``import_outcome``: per row that did not become a new event — a duplicate (with the stored
  event's id) or a rejected row whose ``source_system`` / ``source_id`` passed their own rules —
  the row's source pair; written by the same statement as the batch's rejected rows.

The index is built with a plain ``CREATE INDEX``: writes to ``intake_event`` wait while it is
built (in proportion to the number of imported events; run it in a maintenance window on a large
installation). Imports that ended before this revision show their rejected rows without a source
and their accepted rows without a row number.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("intake_event", sa.Column("import_row", sa.BigInteger))
    op.create_index(
        "intake_event_by_import_row",
        "intake_event",
        ["import_id", "import_row"],
        postgresql_where=sa.text("import_id IS NOT NULL"),
    )
    op.create_table(
        "import_outcome",
        sa.Column("import_id", sa.Text, nullable=False),
        sa.Column("row_number", sa.BigInteger, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("source_system", sa.Text),
        sa.Column("source_id", sa.Text),
        sa.Column("event_id", sa.Text),
        sa.CheckConstraint(
            "outcome IN ('duplicate', 'rejected')", name="import_outcome_is_not_accepted"
        ),
    )
    op.create_index("import_outcome_by_row", "import_outcome", ["import_id", "row_number"])


def downgrade() -> None:
    op.drop_index("import_outcome_by_row", "import_outcome")
    op.drop_table("import_outcome")
    op.drop_index("intake_event_by_import_row", "intake_event")
    op.drop_column("intake_event", "import_row")
