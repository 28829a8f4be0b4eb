"""The pilots service's own tables (the platform tables live in `shared.messaging.schema`).

Reference data — regions, organisations, pilots with their members and innovation lifecycle,
activities, the outcome instrument catalogue. Every row that can be updated carries a ``version``:
it is the resource's ``ETag``, an update must name it (``If-Match``) and moves it on, and the
events the service publishes carry it, so that copies elsewhere never go backwards.
"""

import sqlalchemy as sa

metadata = sa.MetaData()


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    ]


region = sa.Table(
    "region",
    metadata,
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("name_fi", sa.Text, nullable=False),
    sa.Column("name_sv", sa.Text, nullable=False),
)

organisation = sa.Table(
    "organisation",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("type", sa.Text, nullable=False),
    sa.Column("business_id", sa.Text),  # Y-tunnus
    sa.Column("region_code", sa.Text, sa.ForeignKey("region.code")),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    *_timestamps(),
)

pilot = sa.Table(
    "pilot",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("name_fi", sa.Text, nullable=False),
    sa.Column("name_sv", sa.Text),
    sa.Column("name_en", sa.Text),
    sa.Column("lead_organisation_id", sa.Text, sa.ForeignKey("organisation.id"), nullable=False),
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

pilot_partner = sa.Table(
    "pilot_partner",
    metadata,
    sa.Column("pilot_id", sa.Text, sa.ForeignKey("pilot.id"), primary_key=True),
    sa.Column("organisation_id", sa.Text, sa.ForeignKey("organisation.id"), primary_key=True),
)

pilot_region = sa.Table(
    "pilot_region",
    metadata,
    sa.Column("pilot_id", sa.Text, sa.ForeignKey("pilot.id"), primary_key=True),
    sa.Column("region_code", sa.Text, sa.ForeignKey("region.code"), primary_key=True),
)

pilot_member = sa.Table(
    "pilot_member",
    metadata,
    sa.Column("pilot_id", sa.Text, sa.ForeignKey("pilot.id"), primary_key=True),
    sa.Column("subject", sa.Text, primary_key=True),  # the user's token subject
    sa.Column("role", sa.Text, nullable=False),  # worker | lead
)

lifecycle_change = sa.Table(
    "lifecycle_change",
    metadata,
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
    sa.Index("lifecycle_change_by_pilot", "pilot_id", "id"),
)

evidence = sa.Table(
    "evidence",
    metadata,
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
    sa.Index("evidence_by_pilot", "pilot_id", "id"),
)

activity = sa.Table(
    "activity",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("pilot_id", sa.Text, sa.ForeignKey("pilot.id"), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("activity_type", sa.Text, nullable=False),
    sa.Column("schedule", sa.Text, nullable=False),  # one_off | recurring
    sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ends_at", sa.DateTime(timezone=True)),
    sa.Column("recurrence", sa.Text),  # weekly | fortnightly | monthly, for a recurring activity
    sa.Column("place_type", sa.Text, nullable=False),
    sa.Column("capacity", sa.Integer),
    sa.Column("workers", sa.ARRAY(sa.Text), nullable=False, server_default="{}"),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    *_timestamps(),
    sa.Index("activity_by_pilot", "pilot_id", "id"),
)

instrument = sa.Table(
    "instrument",
    metadata,
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("min_value", sa.Numeric),
    sa.Column("max_value", sa.Numeric),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    *_timestamps(),
)
