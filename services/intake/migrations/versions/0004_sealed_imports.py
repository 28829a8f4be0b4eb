"""Intake: uploaded files sealed at rest (the key id per job), and the files of ended imports
erased — they used to stay for ever, identity codes in clear.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("import_job", sa.Column("file_key_id", sa.Text))
    # A job still waiting or running keeps its (unsealed) file until it ends; every other file
    # goes now.
    op.execute(
        "DELETE FROM import_chunk WHERE import_id IN "
        "(SELECT id FROM import_job WHERE status IN ('finished', 'failed'))"
    )
    op.execute("DELETE FROM import_chunk WHERE import_id NOT IN (SELECT id FROM import_job)")


def downgrade() -> None:
    # The code before this revision cannot open a sealed file: such imports end here.
    op.execute(
        "UPDATE import_job SET status = 'failed', finished_at = now(), "
        "failure = 'The service was downgraded; upload the file again.' "
        "WHERE file_key_id IS NOT NULL AND status IN ('queued', 'running')"
    )
    op.execute(
        "DELETE FROM import_chunk WHERE import_id IN "
        "(SELECT id FROM import_job WHERE file_key_id IS NOT NULL)"
    )
    op.drop_column("import_job", "file_key_id")
