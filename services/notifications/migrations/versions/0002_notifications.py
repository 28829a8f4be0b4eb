"""Notifications: the directory of recipients and their preferences, organisations' contacts, the
copy of the pilots and their members, rule settings, webhook endpoints, the in-app inbox, and the
deliveries with their attempt log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

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
    op.create_table(
        "recipient",
        sa.Column("subject", sa.Text, primary_key=True),
        sa.Column("email", sa.Text),
        sa.Column("language", sa.Text, nullable=False, server_default="fi"),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("organisation", sa.Text),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        *_timestamps(),
    )
    op.create_index("recipient_by_role", "recipient", ["role", "subject"])
    op.create_table(
        "preference",
        sa.Column("subject", sa.Text, primary_key=True),
        sa.Column("inbox", sa.Text, nullable=False, server_default="immediate"),
        sa.Column("email", sa.Text, nullable=False, server_default="immediate"),
        sa.Column("language", sa.Text),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        *_timestamps(),
    )
    op.create_table(
        "organisation_contact",
        sa.Column("organisation", sa.Text, primary_key=True),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("language", sa.Text, nullable=False, server_default="fi"),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        *_timestamps(),
    )
    op.create_table(
        "pilot",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("name_fi", sa.Text, nullable=False),
        sa.Column("name_sv", sa.Text),
        sa.Column("name_en", sa.Text),
        sa.Column("lead_organisation_id", sa.Text),
        sa.Column(
            "partner_organisation_ids",
            postgresql.ARRAY(sa.Text),
            nullable=False,
            server_default="{}",
        ),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "pilot_member",
        sa.Column("pilot_id", sa.Text, sa.ForeignKey("pilot.id"), primary_key=True),
        sa.Column("subject", sa.Text, primary_key=True),
        sa.Column("role", sa.Text, nullable=False),
    )
    op.create_table(
        "rule_setting",
        sa.Column("event_type", sa.Text, primary_key=True),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("updated_by", sa.Text, nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_table(
        "webhook_endpoint",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("organisation", sa.Text, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("event_types", postgresql.ARRAY(sa.Text), nullable=False),
        sa.Column("secret", sa.Text, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("deleted_at", sa.DateTime(timezone=True)),
    )
    op.create_index("webhook_endpoint_by_organisation", "webhook_endpoint", ["organisation", "id"])
    op.create_table(
        "notification",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("recipient", sa.Text, nullable=False),
        sa.Column("event_id", sa.Text),
        sa.Column("event_type", sa.Text),
        sa.Column("template", sa.Text, nullable=False),
        sa.Column("params", postgresql.JSONB, nullable=False, server_default="{}"),
        sa.Column("link", sa.Text, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("read_at", sa.DateTime(timezone=True)),
    )
    op.create_index(
        "notification_once_per_event",
        "notification",
        ["event_id", "recipient"],
        unique=True,
        postgresql_where=sa.text("event_id IS NOT NULL"),
    )
    op.create_index("notification_inbox", "notification", ["recipient", "id"])
    op.create_index(
        "notification_unread",
        "notification",
        ["recipient", "id"],
        postgresql_where=sa.text("read_at IS NULL"),
    )
    op.create_table(
        "delivery",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("message_id", sa.Text, nullable=False, unique=True),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False, server_default="single"),
        sa.Column("destination", sa.Text, nullable=False),
        sa.Column("recipient", sa.Text),
        sa.Column("endpoint_id", sa.Text, sa.ForeignKey("webhook_endpoint.id")),
        sa.Column("address", sa.Text),
        sa.Column("language", sa.Text, nullable=False, server_default="fi"),
        sa.Column("event_id", sa.Text),
        sa.Column("event_type", sa.Text),
        sa.Column("template", sa.Text, nullable=False),
        sa.Column("params", postgresql.JSONB, nullable=False, server_default="{}"),
        sa.Column("link", sa.Text, nullable=False),
        sa.Column("payload", postgresql.JSONB),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.Column("first_attempt_at", sa.DateTime(timezone=True)),
        sa.Column("delivered_at", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.Text),
        sa.Column("digest_slot", sa.DateTime(timezone=True)),
        sa.Column("digest_id", sa.BigInteger, sa.ForeignKey("delivery.id")),
        *_timestamps(),
    )
    op.create_index(
        "delivery_once_per_event",
        "delivery",
        ["event_id", "channel", "destination"],
        unique=True,
        postgresql_where=sa.text("event_id IS NOT NULL"),
    )
    op.create_index(
        "delivery_one_digest_a_day",
        "delivery",
        ["channel", "destination", "digest_slot"],
        unique=True,
        postgresql_where=sa.text("kind = 'digest'"),
    )
    op.create_index(
        "delivery_due",
        "delivery",
        ["next_attempt_at"],
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "delivery_held",
        "delivery",
        ["channel", "destination", "id"],
        postgresql_where=sa.text("status = 'held'"),
    )
    op.create_table(
        "delivery_attempt",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("delivery_id", sa.BigInteger, sa.ForeignKey("delivery.id"), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_ms", sa.Integer, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("status_code", sa.Integer),
        sa.Column("error", sa.Text),
        sa.UniqueConstraint("delivery_id", "attempt", name="delivery_attempt_once"),
    )


def downgrade() -> None:
    for table in (
        "delivery_attempt",
        "delivery",
        "notification",
        "webhook_endpoint",
        "rule_setting",
        "pilot_member",
        "pilot",
        "organisation_contact",
        "preference",
        "recipient",
    ):
        op.drop_table(table)
