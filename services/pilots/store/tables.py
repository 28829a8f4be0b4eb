"""The pilots service's own tables (the platform tables live in `shared.messaging.schema`).

Reference data — regions, organisations, pilots with their members and innovation lifecycle,
activities, the outcome instrument catalogue. Every row that can be updated carries a ``version``:
it is the resource's ``ETag``, an update must name it (``If-Match``) and moves it on, and the
events the service publishes carry it, so that copies elsewhere never go backwards.
"""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from shared.db import timestamp_columns

metadata = sa.MetaData()


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
    *timestamp_columns(),
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
    *timestamp_columns(),
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
    *timestamp_columns(),
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
    *timestamp_columns(),
)


# --- cases: one pseudonymous young person in one pilot ---------------------------------------

#: A case that is not final: at most one per young person and pilot.
OPEN_CASE = "state NOT IN ('closed', 'declined')"

pilot_case = sa.Table(
    "pilot_case",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("pilot_id", sa.Text, sa.ForeignKey("pilot.id"), nullable=False),
    sa.Column("key_id", sa.Text, nullable=False),
    sa.Column("pseudonym", sa.Text, nullable=False),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("closing_reason", sa.Text),
    sa.Column("responsible_worker", sa.Text),
    sa.Column("age_band", sa.Text),
    sa.Column("gender", sa.Text),
    sa.Column("home_region", sa.Text),
    sa.Column("referred_on", sa.Date),
    sa.Column("enrolled_at", sa.DateTime(timezone=True)),
    sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    #: The short human code a worker notes in the regional client record (domain/case_codes.py).
    sa.Column("code", sa.Text, nullable=False, unique=True),
    #: The young person's earlier case in this pilot (closed or declined), for a later episode.
    sa.Column("previous_case_id", sa.Text, sa.ForeignKey("pilot_case.id")),
    #: Where a later episode's timeline starts (its referral); NULL for a first case.
    sa.Column("episode_from", sa.DateTime(timezone=True)),
    #: When it was closed or declined; made anonymous (retention) this long after.
    sa.Column("ended_at", sa.DateTime(timezone=True)),
    sa.Column("anonymised_at", sa.DateTime(timezone=True)),
    *timestamp_columns(),
    sa.Index(
        "case_open_client_in_pilot",
        "pilot_id",
        "key_id",
        "pseudonym",
        unique=True,
        postgresql_where=sa.text(OPEN_CASE),
    ),
    sa.Index("case_by_client", "pilot_id", "key_id", "pseudonym"),
    sa.Index("case_by_pilot_state", "pilot_id", "state", "id"),
    sa.Index(
        "case_due_for_retention",
        "ended_at",
        "id",
        postgresql_where=sa.text("ended_at IS NOT NULL AND anonymised_at IS NULL"),
    ),
    sa.Index(
        "case_by_responsible", "responsible_worker", "id", postgresql_where=sa.text(OPEN_CASE)
    ),
)

case_transition = sa.Table(
    "case_transition",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("case_id", sa.Text, sa.ForeignKey("pilot_case.id"), nullable=False),
    sa.Column("from_state", sa.Text),
    sa.Column("to_state", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("closing_reason", sa.Text),
    sa.Column("by_subject", sa.Text, nullable=False),
    sa.Column("by_role", sa.Text, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Index("case_transition_by_case", "case_id", "id"),
)

case_task = sa.Table(
    "case_task",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("case_id", sa.Text, sa.ForeignKey("pilot_case.id"), nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("due_on", sa.Date, nullable=False),
    sa.Column("assignee", sa.Text, nullable=False),
    sa.Column("done", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("done_at", sa.DateTime(timezone=True)),
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    *timestamp_columns(),
    sa.Index("case_task_by_case", "case_id", "id"),
    sa.Index("case_task_open_by_due", "due_on", postgresql_where=sa.text("NOT done")),
    sa.Index("case_task_by_assignee", "assignee", "due_on", postgresql_where=sa.text("NOT done")),
)

#: What happened to a young person in a pilot, from consumed events and the case's own changes.
#: Keyed by the client in the pilot, not by the case, so that an event arriving before the
#: referral that opens the case still lands on its timeline.
timeline_entry = sa.Table(
    "timeline_entry",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("pilot_id", sa.Text, nullable=False),
    sa.Column("key_id", sa.Text, nullable=False),
    sa.Column("pseudonym", sa.Text, nullable=False),
    sa.Column("event_id", sa.Text, nullable=False, unique=True),
    sa.Column("kind", sa.Text, nullable=False),  # referral | participation | outcome | transition
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("summary", postgresql.JSONB, nullable=False),
    sa.Index("timeline_by_client", "pilot_id", "key_id", "pseudonym", "occurred_at", "id"),
)

#: Scheduled notices sent, one per occurrence: (kind, subject, occurrence) is the promise that a
#: task is announced due once, overdue once, and an idle case once per idle spell.
scheduled_notice = sa.Table(
    "scheduled_notice",
    metadata,
    sa.Column("kind", sa.Text, primary_key=True),
    sa.Column("subject_id", sa.Text, primary_key=True),
    sa.Column("occurrence", sa.Text, primary_key=True),
    sa.Column("event_id", sa.Text, nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

#: Every read or change of client-level data: append-only (a trigger refuses UPDATE and DELETE)
#: and tamper-evident (each entry's hash covers the previous entry's hash).
audit_entry = sa.Table(
    "audit_entry",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("organisation", sa.Text),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("case_id", sa.Text, nullable=False),
    sa.Column("pilot_id", sa.Text, nullable=False),
    sa.Column("purpose", sa.Text, nullable=False),
    sa.Column("request_id", sa.Text),
    sa.Column("previous_hash", sa.Text, nullable=False),
    sa.Column("hash", sa.Text, nullable=False),
    sa.Index("audit_by_case", "case_id", "id"),
)


# --- roll-ups for the coordinators' aggregates ------------------------------------------------

#: The young people of the roll-up: the cross-pilot pseudonym (during a key rotation, the one under
#: the earlier key) gets a small integer id — what the aggregates index keeps in its bitmaps — and
#: its record key, the keyed hash that feeds the cell key (``domain/disclosure.py``).
agg_person = sa.Table(
    "agg_person",
    metadata,
    sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
    sa.Column("person", sa.Text, nullable=False, unique=True),
    sa.Column("record_key", sa.BigInteger, nullable=False),
)

#: One row per young person per base cell: measure × month × pilot × region × gender × age band ×
#: activity type × participation kind (for outcomes: instrument × time point; '-' where none).
#: Distinct counts at any level are counts of distinct ``person_id`` over these rows, so a young
#: person in two months or two pilots counts once in the total. ``txid`` is the transaction that
#: added the row: every row an earlier reader has not seen has a ``txid`` at or above the oldest
#: transaction still running when it read (``pg_snapshot_xmin``), which is how the aggregates
#: index reads only what is new.
agg_member = sa.Table(
    "agg_member",
    metadata,
    sa.Column("measure", sa.Text, primary_key=True),
    sa.Column("month", sa.Date, primary_key=True),
    sa.Column("pilot_id", sa.Text, primary_key=True),
    sa.Column("region", sa.Text, primary_key=True),
    sa.Column("gender", sa.Text, primary_key=True),
    sa.Column("age_band", sa.Text, primary_key=True),
    sa.Column("activity_type", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text, primary_key=True),
    sa.Column("person_id", sa.Integer, sa.ForeignKey("agg_person.id"), primary_key=True),
    sa.Column("events", sa.Integer, nullable=False),
    sa.Column(
        "txid",
        sa.BigInteger,
        nullable=False,
        server_default=sa.text("(pg_current_xact_id()::text::bigint)"),
    ),
    sa.Index("agg_member_txid", "txid"),
)
