"""Intake: bulk file imports (jobs, the uploaded file in chunks, rejected rows).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_job",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("format", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("bytes", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("rows_read", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("accepted", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("duplicates", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("rejected", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("checkpoint_row", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("failure", sa.Text),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_by_role", sa.Text, nullable=False),
        sa.Column("created_by_org", sa.Text),
        sa.Column("created_by_pilots", postgresql.ARRAY(sa.Text), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "import_chunk",
        sa.Column("import_id", sa.Text, primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "import_error",
        sa.Column("import_id", sa.Text, nullable=False),
        sa.Column("row_number", sa.BigInteger, nullable=False),
        sa.Column("field", sa.Text),
        sa.Column("message", sa.Text, nullable=False),
    )
    op.create_index("import_error_by_row", "import_error", ["import_id", "row_number"])


def downgrade() -> None:
    op.drop_index("import_error_by_row", "import_error")
    for table in ("import_error", "import_chunk", "import_job"):
        op.drop_table(table)
