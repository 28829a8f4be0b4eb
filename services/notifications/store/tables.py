"""The notifications service's own tables (the platform tables live in `shared.messaging.schema`).

- Who can be told: ``recipient`` (the directory: a user's e-mail address, language, role and
  organisation, kept by admins), ``preference`` (each user's choice per channel: immediately,
  in a daily digest, or not at all), ``organisation_contact`` (the person an organisation's
  integration answers to), and ``pilot`` / ``pilot_member``: this service's copy of the pilots
  and their members, kept from ``pilot.published``; ``waiting_event``, events for a pilot not
  copied yet.
- What they are told: ``notification`` is the in-app inbox; ``delivery`` is one message to send
  by e-mail or webhook (or held for a digest), and ``delivery_attempt`` its log, one row per try.
- How: ``rule_setting`` holds the admins' choices over the built-in rules;
  ``webhook_endpoint`` the receivers organisations registered, and ``webhook_secret`` their
  signing secrets, encrypted: the current one, and any it replaced while their grace period
  lasts.
- What went wrong elsewhere: ``dead_letter``, one row per message some consumer dead-lettered
  (its queue, event types and ids, reason, how often, when, and what an admin did with it — never
  the message's data), kept by the dead-letter watcher; ``audit_entry``, append-only, every
  admin's replay or discard of one.

Nothing here holds client data: notifications carry only what happened (a template and a few
non-identifying parameters) and a link.
"""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from shared.db import timestamp_columns

metadata = sa.MetaData()


recipient = sa.Table(
    "recipient",
    metadata,
    sa.Column("subject", sa.Text, primary_key=True),  # the token's `sub`
    sa.Column("email", sa.Text),
    sa.Column("language", sa.Text, nullable=False, server_default="fi"),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("organisation", sa.Text),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    *timestamp_columns(),
    sa.Index("recipient_by_role", "role", "subject"),
)

preference = sa.Table(
    "preference",
    metadata,
    sa.Column("subject", sa.Text, primary_key=True),
    sa.Column("inbox", sa.Text, nullable=False, server_default="immediate"),
    sa.Column("email", sa.Text, nullable=False, server_default="immediate"),
    #: Overrides the directory's language when set.
    sa.Column("language", sa.Text),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    *timestamp_columns(),
)

organisation_contact = sa.Table(
    "organisation_contact",
    metadata,
    sa.Column("organisation", sa.Text, primary_key=True),
    sa.Column("email", sa.Text, nullable=False),
    sa.Column("language", sa.Text, nullable=False, server_default="fi"),
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

pilot_member = sa.Table(
    "pilot_member",
    metadata,
    sa.Column("pilot_id", sa.Text, sa.ForeignKey("pilot.id"), primary_key=True),
    sa.Column("subject", sa.Text, primary_key=True),
    sa.Column("role", sa.Text, nullable=False),
)

rule_setting = sa.Table(
    "rule_setting",
    metadata,
    sa.Column("event_type", sa.Text, primary_key=True),
    sa.Column("enabled", sa.Boolean, nullable=False),
    #: 0 is a rule never switched (on, by default); each switch adds one.
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("updated_by", sa.Text, nullable=False),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
)

webhook_endpoint = sa.Table(
    "webhook_endpoint",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("organisation", sa.Text, nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("event_types", postgresql.ARRAY(sa.Text), nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("created_by", sa.Text, nullable=False),
    #: Changing the URL or the event types needs ``If-Match`` with this version.
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    *timestamp_columns(),
    sa.Column("deleted_at", sa.DateTime(timezone=True)),
    sa.Index("webhook_endpoint_by_organisation", "organisation", "id"),
)

webhook_secret = sa.Table(
    "webhook_secret",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("endpoint_id", sa.Text, sa.ForeignKey("webhook_endpoint.id"), nullable=False),
    #: The Standard Webhooks secret (``whsec_`` + base64), AES-256-GCM-sealed under the key
    #: ``key_id`` of ``WEBHOOK_SECRET_KEYS`` with the endpoint's id as associated data: never in
    #: clear (``domain.signing_secrets``).
    sa.Column("key_id", sa.Text, nullable=False),
    sa.Column("nonce", sa.LargeBinary, nullable=False),
    sa.Column("ciphertext", sa.LargeBinary, nullable=False),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    #: None for the endpoint's current secret; for one a newer secret replaced, the end of the
    #: grace period in which it still signs beside the new one.
    sa.Column("expires_at", sa.DateTime(timezone=True)),
    sa.Index("webhook_secret_by_endpoint", "endpoint_id", "id"),
    sa.Index(
        "webhook_secret_one_current",
        "endpoint_id",
        unique=True,
        postgresql_where=sa.text("expires_at IS NULL"),
    ),
)

notification = sa.Table(
    "notification",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("recipient", sa.Text, nullable=False),
    #: The event told of; none for a digest.
    sa.Column("event_id", sa.Text),
    sa.Column("event_type", sa.Text),
    sa.Column("template", sa.Text, nullable=False),
    sa.Column("params", postgresql.JSONB, nullable=False, server_default="{}"),
    #: A path in the web UI (the link base is prepended when it is shown).
    sa.Column("link", sa.Text, nullable=False),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column("read_at", sa.DateTime(timezone=True)),
    #: A gathered item (``domain.rules.Gathering``): ``<event type>/<pilot>/<day>``, the day in
    #: Finnish time. One item per recipient and key; the events after the first count in its
    #: ``params.count``. None for every other item.
    sa.Column("gather_key", sa.Text),
    sa.Index(
        "notification_once_per_event",
        "event_id",
        "recipient",
        unique=True,
        postgresql_where=sa.text("event_id IS NOT NULL"),
    ),
    sa.Index(
        "notification_gathered",
        "recipient",
        "gather_key",
        unique=True,
        postgresql_where=sa.text("gather_key IS NOT NULL"),
    ),
    sa.Index("notification_inbox", "recipient", "id"),
    sa.Index(
        "notification_unread",
        "recipient",
        "id",
        postgresql_where=sa.text("read_at IS NULL"),
    ),
)

delivery = sa.Table(
    "delivery",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    #: The Standard Webhooks ``webhook-id``: the same on every attempt, so receivers de-duplicate.
    sa.Column("message_id", sa.Text, nullable=False, unique=True),
    sa.Column("channel", sa.Text, nullable=False),  # email | webhook | inbox (held for a digest)
    sa.Column("kind", sa.Text, nullable=False, server_default="single"),  # single | digest
    #: Who it is for, once: a subject, ``contact:<organisation>``, or a webhook endpoint's id.
    sa.Column("destination", sa.Text, nullable=False),
    sa.Column("recipient", sa.Text),  # the subject, when it is a user
    sa.Column("endpoint_id", sa.Text, sa.ForeignKey("webhook_endpoint.id")),
    sa.Column("address", sa.Text),  # the e-mail address
    sa.Column("language", sa.Text, nullable=False, server_default="fi"),
    sa.Column("event_id", sa.Text),
    sa.Column("event_type", sa.Text),
    sa.Column("template", sa.Text, nullable=False),
    sa.Column("params", postgresql.JSONB, nullable=False, server_default="{}"),
    sa.Column("link", sa.Text, nullable=False),
    #: The webhook body's ``data``: the event's non-identifying fields only.
    sa.Column("payload", postgresql.JSONB),
    #: held (for a digest) | pending | delivered | failed | digested | cancelled
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
    sa.Column("first_attempt_at", sa.DateTime(timezone=True)),
    #: The claim that holds the delivery while it is being sent (``store.deliveries.claim``):
    #: only that claim's sender records the attempt. Cleared when it is recorded.
    sa.Column("claim_token", sa.Text),
    sa.Column("delivered_at", sa.DateTime(timezone=True)),
    sa.Column("last_error", sa.Text),
    #: A digest: the day's slot it was made for. A held delivery: the digest that took it.
    sa.Column("digest_slot", sa.DateTime(timezone=True)),
    sa.Column("digest_id", sa.BigInteger, sa.ForeignKey("delivery.id")),
    #: A gathered e-mail sent at once: the gathered inbox item's key (``notification``). One per
    #: channel, destination and key, so one e-mail a day per recipient and pilot; while it waits to
    #: be sent the day's later events count on in its ``params.count``.
    sa.Column("gather_key", sa.Text),
    *timestamp_columns(),
    sa.Index(
        "delivery_once_per_event",
        "event_id",
        "channel",
        "destination",
        unique=True,
        postgresql_where=sa.text("event_id IS NOT NULL"),
    ),
    sa.Index(
        "delivery_gathered",
        "channel",
        "destination",
        "gather_key",
        unique=True,
        postgresql_where=sa.text("gather_key IS NOT NULL"),
    ),
    sa.Index(
        "delivery_one_digest_a_day",
        "channel",
        "destination",
        "digest_slot",
        unique=True,
        postgresql_where=sa.text("kind = 'digest'"),
    ),
    sa.Index(
        "delivery_due",
        "next_attempt_at",
        postgresql_where=sa.text("status = 'pending'"),
    ),
    sa.Index(
        "delivery_held",
        "channel",
        "destination",
        "id",
        postgresql_where=sa.text("status = 'held'"),
    ),
)

delivery_attempt = sa.Table(
    "delivery_attempt",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("delivery_id", sa.BigInteger, sa.ForeignKey("delivery.id"), nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("duration_ms", sa.Integer, nullable=False),
    sa.Column("outcome", sa.Text, nullable=False),  # delivered | retry | failed
    sa.Column("status_code", sa.Integer),  # the HTTP status, or the SMTP reply code
    #: What went wrong, by kind (``HTTP 503``, ``ConnectError``, ``SMTP 451``): never a body,
    #: an address's credentials or a secret.
    sa.Column("error", sa.Text),
    sa.UniqueConstraint("delivery_id", "attempt", name="delivery_attempt_once"),
)

#: Events that tell their pilot's members, come before this service has the pilot's copy (a
#: referral for a pilot whose ``pilot.published`` is still on its way): kept until it comes, then
#: told in that event's transaction and deleted — once. ``data`` is only the fields the event's
#: rule reads (``domain.rules.rule_fields``: for a referral, its pilot), never the rest.
waiting_event = sa.Table(
    "waiting_event",
    metadata,
    sa.Column("event_id", sa.Text, primary_key=True),
    sa.Column("event_type", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("time", sa.DateTime(timezone=True), nullable=False),
    sa.Column("pilot_id", sa.Text, nullable=False),
    sa.Column("data", postgresql.JSONB, nullable=False),
    sa.Column(
        "received_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Index("waiting_event_by_pilot", "pilot_id", "event_id"),
)

#: A message that a consumer's queue dead-lettered, as the dead-letter watcher saw its copy: the
#: queue it came from, the SHA-256 of its body (``message_key``: how the admin actions find it
#: again in ``<queue>.dead-letter``; never shown), the event types and (at most
#: ``consumers.dead_letters.MAX_IDS``) ids it carries, and the latest reason — never its data.
#: ``death_count`` counts the deaths the watcher recorded; ``state`` is ``waiting`` (in the
#: dead-letter queue), ``replayed`` (moved back to its queue) or ``discarded`` (taken out of it);
#: a replayed message that dies again is ``waiting`` again.
dead_letter = sa.Table(
    "dead_letter",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("queue", sa.Text, nullable=False),
    sa.Column("message_key", sa.Text, nullable=False),
    sa.Column("event_types", postgresql.ARRAY(sa.Text), nullable=False),
    sa.Column("event_ids", postgresql.ARRAY(sa.Text), nullable=False),
    sa.Column("event_count", sa.Integer, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("death_count", sa.Integer, nullable=False, server_default="1"),
    sa.Column(
        "first_dead_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column(
        "last_dead_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column("state", sa.Text, nullable=False, server_default="waiting"),
    #: How many times it was replayed (the next replay's number goes into the message's headers,
    #: so that its next death is a new one to the watcher whatever the broker keeps of x-death).
    sa.Column("replays", sa.Integer, nullable=False, server_default="0"),
    #: The admin's subject and the time of the last replay or discard.
    sa.Column("handled_by", sa.Text),
    sa.Column("handled_at", sa.DateTime(timezone=True)),
    sa.CheckConstraint(
        "state IN ('waiting', 'replayed', 'discarded')", name="dead_letter_state_known"
    ),
    sa.UniqueConstraint("queue", "message_key", name="dead_letter_once_per_message"),
    sa.Index("dead_letter_by_queue", "queue", "state", "id"),
    sa.Index("dead_letter_by_state", "state", "id"),
)

#: What admins did in this service that must be answerable later: who (subject, role,
#: organisation), what (``replay``, ``replay_all``, ``discard``), to which dead letter of which
#: queue, with what outcome (``moved``, ``removed``, ``not_in_queue``), when, in which request.
#: Append-only: a trigger refuses UPDATE, DELETE and TRUNCATE. No foreign key: the dead letters
#: may be emptied, the log is not.
audit_entry = sa.Table(
    "audit_entry",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("organisation", sa.Text),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("dead_letter_id", sa.BigInteger),
    sa.Column("queue", sa.Text),
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("request_id", sa.Text),
    sa.Index("audit_entry_by_dead_letter", "dead_letter_id", "id"),
)
