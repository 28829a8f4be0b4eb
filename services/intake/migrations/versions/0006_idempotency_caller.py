"""Intake: an Idempotency-Key's answer is kept per caller — a hash of the token's role,
organisation, subject and pilots — instead of per subject alone.

The rows kept so far name only a subject; which pilots their caller had is not known, so no row
can be moved to the new key, and replaying one to anyone with that subject is what this
revision ends. They are deleted: a request retried after the upgrade is taken as new, and its
items are found duplicates of the events already stored (no second event).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DELETE FROM idempotent_request")
    op.alter_column("idempotent_request", "principal", new_column_name="caller")
    op.create_check_constraint(
        "idempotent_request_caller_is_a_hash", "idempotent_request", "caller ~ '^[0-9a-f]{64}$'"
    )


def downgrade() -> None:
    # Hashed callers cannot be turned back into subjects: the answers kept since go too.
    op.execute("DELETE FROM idempotent_request")
    op.drop_constraint("idempotent_request_caller_is_a_hash", "idempotent_request", type_="check")
    op.alter_column("idempotent_request", "caller", new_column_name="principal")
