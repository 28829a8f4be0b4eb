"""The intake service's own tables (the platform tables live in ``shared.messaging.schema``).

No table holds a direct identifier: clients appear only as keyed pseudonyms with their key id,
and age only as birth year and month (needed to give later events an age band).
"""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

metadata = sa.MetaData()

# --- reference data: intake's own copy of what the pilots service publishes -----------------------
pilot_ref = sa.Table(
    "pilot_ref",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("starts_on", sa.Date),
    sa.Column("ends_on", sa.Date),
    sa.Column("version", sa.BigInteger, nullable=False),
)

activity_ref = sa.Table(
    "activity_ref",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("pilot_id", sa.Text, nullable=False),
    sa.Column("activity_type", sa.Text, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False),
)

instrument_ref = sa.Table(
    "instrument_ref",
    metadata,
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("min_value", sa.Numeric),
    sa.Column("max_value", sa.Numeric),
    sa.Column("version", sa.BigInteger, nullable=False),
)

# --- clients and their events ----------------------------------------------------------------------
client = sa.Table(
    "client",
    metadata,
    sa.Column("key_id", sa.Text, primary_key=True),
    sa.Column("pseudonym", sa.Text, primary_key=True),
    sa.Column("birth_year", sa.SmallInteger),
    sa.Column("birth_month", sa.SmallInteger),
    sa.Column("gender", sa.Text),
    sa.Column("home_region", sa.Text),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
)

intake_event = sa.Table(
    "intake_event",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),  # the CloudEvent id
    sa.Column("kind", sa.Text, nullable=False),  # referral | participation | outcome
    sa.Column("source_system", sa.Text, nullable=False),
    sa.Column("source_id", sa.Text, nullable=False),
    sa.Column("pilot_id", sa.Text, nullable=False),
    sa.Column("key_id", sa.Text, nullable=False),
    sa.Column("pseudonym", sa.Text, nullable=False),
    # what was published, as sent (json: nothing queries inside it; see migration 0007)
    sa.Column("data", postgresql.JSON, nullable=False),
    sa.Column("import_id", sa.Text),
    sa.Column(
        "received_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    #: The row of its import the event came from (None: sent over the API, or imported before
    #: migration 0008); copied with the event, so an import's results need no statement per row.
    sa.Column("import_row", sa.BigInteger),
    sa.UniqueConstraint("kind", "source_system", "source_id", name="intake_event_source"),
    sa.Index(
        "intake_event_by_import_row",
        "import_id",
        "import_row",
        postgresql_where=sa.text("import_id IS NOT NULL"),
    ),
)

# --- whole-request idempotency (the Idempotency-Key header) ----------------------------------------
#: A stored answer is replayed only to the same caller: ``caller`` is the SHA-256 of the role,
#: organisation, subject and sorted pilots of the token that made it (``usecases.items.caller_key``),
#: so a token with the same subject and other pilots, role or organisation is another caller.
idempotent_request = sa.Table(
    "idempotent_request",
    metadata,
    sa.Column("caller", sa.Text, primary_key=True),
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("fingerprint", sa.Text, nullable=False),
    sa.Column("status", sa.SmallInteger, nullable=False),
    sa.Column("body", postgresql.JSONB, nullable=False),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.CheckConstraint("caller ~ '^[0-9a-f]{64}$'", name="idempotent_request_caller_is_a_hash"),
)

# --- bulk file imports ------------------------------------------------------------------------------
import_job = sa.Table(
    "import_job",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("format", sa.Text, nullable=False),  # csv | ndjson
    sa.Column(
        "status", sa.Text, nullable=False
    ),  # receiving | queued | running | finished | failed
    sa.Column("bytes", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("rows_read", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("accepted", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("duplicates", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("rejected", sa.BigInteger, nullable=False, server_default="0"),
    #: The last row whose outcome is stored: a restarted worker resumes after it.
    sa.Column("checkpoint_row", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("failure", sa.Text),
    # who uploaded it: the worker checks items against the uploader's pilots
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
    #: The key the stored chunks are sealed under (None: stored before sealing, read as they are).
    sa.Column("file_key_id", sa.Text),
)

#: The uploaded file while its import waits or runs, sealed chunk by chunk (``sealed_files``);
#: erased in the transaction that finishes or fails the import.
import_chunk = sa.Table(
    "import_chunk",
    metadata,
    sa.Column("import_id", sa.Text, primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("data", sa.LargeBinary, nullable=False),
)

import_error = sa.Table(
    "import_error",
    metadata,
    sa.Column("import_id", sa.Text, nullable=False),
    sa.Column("row_number", sa.BigInteger, nullable=False),
    sa.Column("field", sa.Text),
    sa.Column("message", sa.Text, nullable=False),
    sa.Index("import_error_by_row", "import_id", "row_number"),
)

#: What became of a row of an import that is not a new event: a duplicate (``event_id``: the
#: stored event's) or a rejected row (its errors in ``import_error``), with the row's source pair
#: — only as loaded by the item schema's own rules (a rejected row's pair that breaks them is not
#: kept: None). Accepted rows are their events (``intake_event.import_row``).
import_outcome = sa.Table(
    "import_outcome",
    metadata,
    sa.Column("import_id", sa.Text, nullable=False),
    sa.Column("row_number", sa.BigInteger, nullable=False),
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("source_system", sa.Text),
    sa.Column("source_id", sa.Text),
    sa.Column("event_id", sa.Text),
    sa.CheckConstraint(
        "outcome IN ('duplicate', 'rejected')", name="import_outcome_is_not_accepted"
    ),
    sa.Index("import_outcome_by_row", "import_id", "row_number"),
)

# --- the case map: intake's own copy of the cases pilots opened (case.opened, case.anonymised) ----
#: One row per case: its code, pilot and the young person's pseudonym (the one the opening
#: referral carried) while the case is open; an anonymised case keeps only its id, pilot and
#: opening time (``state`` 'anonymised', the link to the young person erased). A case.anonymised
#: that arrives before its case.opened leaves such a row at once, and the late case.opened
#: changes nothing.
case_map = sa.Table(
    "case_map",
    metadata,
    sa.Column("case_id", sa.Text, primary_key=True),
    sa.Column("case_code", sa.Text),
    sa.Column("pilot_id", sa.Text, nullable=False),
    sa.Column("key_id", sa.Text),
    sa.Column("pseudonym", sa.Text),
    sa.Column("previous_case_id", sa.Text),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("opened_at", sa.DateTime(timezone=True)),
    #: When the case was closed or declined (``case.transitioned``): found still, named no more.
    sa.Column("ended_at", sa.DateTime(timezone=True)),
    sa.CheckConstraint(
        "(state = 'open' AND key_id IS NOT NULL AND pseudonym IS NOT NULL "
        "AND case_code IS NOT NULL) OR (state = 'anonymised' AND key_id IS NULL "
        "AND pseudonym IS NULL AND case_code IS NULL)",
        name="case_map_state",
    ),
)

#: Every pseudonym an open case is known by: the one it was opened with and those under the keys
#: being rotated out (``earlier_pseudonyms``), so that a look-up finds it under any key intake
#: still has. Erased when the case is anonymised.
case_pseudonym = sa.Table(
    "case_pseudonym",
    metadata,
    sa.Column("key_id", sa.Text, primary_key=True),
    sa.Column("pseudonym", sa.Text, primary_key=True),
    sa.Column("case_id", sa.Text, primary_key=True),
    sa.Index("case_pseudonym_by_case", "case_id"),
)

# --- the audit log of client-level reads and changes made through intake --------------------------
#: Append-only (a trigger refuses UPDATE, DELETE and TRUNCATE) and chained by hash
#: (``store.audit``). Who, in what role and organisation, did what (``action``), for which
#: purpose, and which cases it concerned — never the identifier or pseudonym looked up.
audit_entry = sa.Table(
    "audit_entry",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("organisation", sa.Text),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("purpose", sa.Text, nullable=False),
    sa.Column("case_ids", postgresql.ARRAY(sa.Text), nullable=False),
    sa.Column("request_id", sa.Text),
    sa.Column("previous_hash", sa.Text, nullable=False),
    sa.Column("hash", sa.Text, nullable=False),
    # who processed a case's data (a client's right of access) is found by case id
    sa.Index("audit_by_case", "case_ids", postgresql_using="gin"),
)

# --- attendance registers: a session of an activity and each case's mark ------------------------
#: A session of an activity (by its start), as its latest register gave it.
attendance_session = sa.Table(
    "attendance_session",
    metadata,
    sa.Column("activity_id", sa.Text, primary_key=True),
    sa.Column("starts_at", sa.DateTime(timezone=True), primary_key=True),
    sa.Column("pilot_id", sa.Text, nullable=False),
    sa.Column("duration_minutes", sa.Integer, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
)

#: A case's mark in a session: what its current participation event (``event_id``) says. A
#: changed mark gets a new event that corrects the earlier one; the earlier event stays stored.
attendance_mark = sa.Table(
    "attendance_mark",
    metadata,
    sa.Column("activity_id", sa.Text, primary_key=True),
    sa.Column("starts_at", sa.DateTime(timezone=True), primary_key=True),
    sa.Column("case_id", sa.Text, primary_key=True),
    sa.Column("attendance", sa.Text, nullable=False),
    sa.Column("duration_minutes", sa.Integer, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("event_id", sa.Text, nullable=False),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.ForeignKeyConstraint(
        ["activity_id", "starts_at"],
        ["attendance_session.activity_id", "attendance_session.starts_at"],
        name="attendance_mark_session",
    ),
)
