"""Pilots: case codes and episodes.

Every case gets a short human case code (``pilot_case.code``, unique; existing cases get one
here). A young person may now have several cases in one pilot — episodes: a referral after the
case was closed or declined opens a new case linked to the earlier one (``previous_case_id``),
whose timeline starts at the new referral (``episode_from``). At most one case of a young person
in a pilot is open at a time (a partial unique index replaces the unique constraint).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.pilots.domain.case_codes import new_code

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "state NOT IN ('closed', 'declined')"


def upgrade() -> None:
    op.add_column("pilot_case", sa.Column("code", sa.Text))
    op.add_column(
        "pilot_case",
        sa.Column("previous_case_id", sa.Text, sa.ForeignKey("pilot_case.id")),
    )
    op.add_column("pilot_case", sa.Column("episode_from", sa.DateTime(timezone=True)))
    connection = op.get_bind()
    ids = [row[0] for row in connection.execute(sa.text("SELECT id FROM pilot_case"))]
    codes: set[str] = set()
    for case_id in ids:
        code = new_code()
        while code in codes:
            code = new_code()
        codes.add(code)
        connection.execute(
            sa.text("UPDATE pilot_case SET code = :code WHERE id = :id"),
            {"code": code, "id": case_id},
        )
    op.alter_column("pilot_case", "code", nullable=False)
    op.create_unique_constraint("case_code_unique", "pilot_case", ["code"])
    op.drop_constraint("case_client_in_pilot", "pilot_case", type_="unique")
    op.create_index(
        "case_open_client_in_pilot",
        "pilot_case",
        ["pilot_id", "key_id", "pseudonym"],
        unique=True,
        postgresql_where=sa.text(OPEN),
    )
    op.create_index("case_by_client", "pilot_case", ["pilot_id", "key_id", "pseudonym"])
    op.create_index(
        "case_by_responsible",
        "pilot_case",
        ["responsible_worker", "id"],
        postgresql_where=sa.text(OPEN),
    )
    op.create_index(
        "case_task_by_assignee",
        "case_task",
        ["assignee", "due_on"],
        postgresql_where=sa.text("NOT done"),
    )


def downgrade() -> None:
    op.drop_index("case_task_by_assignee", "case_task")
    op.drop_index("case_by_responsible", "pilot_case")
    op.drop_index("case_by_client", "pilot_case")
    op.drop_index("case_open_client_in_pilot", "pilot_case")
    # Only one case per young person and pilot fits the old constraint. Later episodes are not
    # deleted to make it fit (their audit entries could not be): the downgrade refuses instead.
    episodes = op.get_bind().execute(
        sa.text("SELECT count(*) FROM pilot_case WHERE previous_case_id IS NOT NULL")
    )
    if episodes.scalar():
        raise RuntimeError(
            "Cannot downgrade: some young people have several cases (episodes) in a pilot."
        )
    op.create_unique_constraint(
        "case_client_in_pilot", "pilot_case", ["pilot_id", "key_id", "pseudonym"]
    )
    op.drop_constraint("case_code_unique", "pilot_case", type_="unique")
    op.drop_column("pilot_case", "episode_from")
    op.drop_column("pilot_case", "previous_case_id")
    op.drop_column("pilot_case", "code")
