"""Pilots: regions (loaded from shared/reference/regions.csv), organisations, pilots with partners,
regions, members and innovation lifecycle, activities, the outcome instrument catalogue.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.reference.regions import regions

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    ]


def upgrade() -> None:
    region = op.create_table(
        "region",
        sa.Column("code", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("name_fi", sa.Text, nullable=False),
        sa.Column("name_sv", sa.Text, nullable=False),
    )
    op.bulk_insert(
        region,
        [
            {"code": r.code, "kind": r.kind, "name_fi": r.name_fi, "name_sv": r.name_sv}
            for r in regions().values()
        ],
    )
    op.create_table(
        "organisation",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("business_id", sa.Text),
        sa.Column("region_code", sa.Text, sa.ForeignKey("region.code")),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        *_timestamps(),
    )
    op.create_table(
        "pilot",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("name_fi", sa.Text, nullable=False),
        sa.Column("name_sv", sa.Text),
        sa.Column("name_en", sa.Text),
        sa.Column(
            "lead_organisation_id", sa.Text, sa.ForeignKey("organisation.id"), nullable=False
        ),
        sa.Column("theme", sa.Text, nullable=False),
        sa.Column("target_group", sa.Text, nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date),
        sa.Column("idle_days", sa.Integer, nullable=False, server_default="30"),
        sa.Column("phase", sa.Text, nullable=False, server_default="idea"),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        *_timestamps(),
    )
    op.create_table(
        "pilot_partner",
        sa.Column("pilot_id", sa.Text, sa.ForeignKey("pilot.id"), primary_key=True),
        sa.Column("organisation_id", sa.Text, sa.ForeignKey("organisation.id"), primary_key=True),
    )
    op.create_table(
        "pilot_region",
        sa.Column("pilot_id", sa.Text, sa.ForeignKey("pilot.id"), primary_key=True),
        sa.Column("region_code", sa.Text, sa.ForeignKey("region.code"), primary_key=True),
    )
    op.create_table(
        "pilot_member",
        sa.Column("pilot_id", sa.Text, sa.ForeignKey("pilot.id"), primary_key=True),
        sa.Column("subject", sa.Text, primary_key=True),
        sa.Column("role", sa.Text, nullable=False),
    )
    op.create_table(
        "lifecycle_change",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("pilot_id", sa.Text, sa.ForeignKey("pilot.id"), nullable=False),
        sa.Column("from_phase", sa.Text),
        sa.Column("to_phase", sa.Text, nullable=False),
        sa.Column("changed_on", sa.Date, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("changed_by", sa.Text, nullable=False),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_index("lifecycle_change_by_pilot", "lifecycle_change", ["pilot_id", "id"])
    op.create_table(
        "evidence",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("pilot_id", sa.Text, sa.ForeignKey("pilot.id"), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("url", sa.Text),
        sa.Column("recorded_on", sa.Date, nullable=False),
        sa.Column("recorded_by", sa.Text, nullable=False),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_index("evidence_by_pilot", "evidence", ["pilot_id", "id"])
    op.create_table(
        "activity",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("pilot_id", sa.Text, sa.ForeignKey("pilot.id"), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("activity_type", sa.Text, nullable=False),
        sa.Column("schedule", sa.Text, nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True)),
        sa.Column("recurrence", sa.Text),
        sa.Column("place_type", sa.Text, nullable=False),
        sa.Column("capacity", sa.Integer),
        sa.Column("workers", sa.ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        *_timestamps(),
    )
    op.create_index("activity_by_pilot", "activity", ["pilot_id", "id"])
    op.create_table(
        "instrument",
        sa.Column("code", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("min_value", sa.Numeric),
        sa.Column("max_value", sa.Numeric),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        *_timestamps(),
    )


def downgrade() -> None:
    for table in (
        "instrument",
        "activity",
        "evidence",
        "lifecycle_change",
        "pilot_member",
        "pilot_region",
        "pilot_partner",
        "pilot",
        "organisation",
        "region",
    ):
        op.drop_table(table)
