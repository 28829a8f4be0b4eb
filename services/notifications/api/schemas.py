"""Request and response schemas of the notifications service: validation, serialisation and the
OpenAPI document at once. Every request schema refuses unknown fields."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from services.notifications.domain.rules import LANGUAGES, MODES, RULES, WEBHOOK_EVENT_TYPES
from services.notifications.domain.targets import TargetRefused, parse_target
from shared.auth import ROLES, current_principal
from shared.resources import BIGINT_MAX, PageQuery, page_schema
from shared.validation import FullMatch, StrictSchema, identifier, int_range

SUBJECT = validate.And(validate.Length(min=1, max=200), identifier)
ORGANISATION = FullMatch(
    r"[a-z0-9][a-z0-9-]{1,62}", error="Use 2–63 lower-case letters, digits and hyphens."
)
EMAIL = validate.And(validate.Length(max=254), validate.Email())
LANGUAGE = validate.OneOf(LANGUAGES)
MODE = validate.OneOf(MODES)
STATUSES = ("held", "pending", "delivered", "failed", "digested", "cancelled")
CHANNELS = ("email", "webhook", "inbox")


Strict = StrictSchema  # the one strict request schema (shared.validation)


# --- the inbox --------------------------------------------------------------------------------


class DigestItemSchema(Schema):
    kind = fields.String()
    title = fields.String()
    link = fields.String()


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "The rule's message, or `digest`."})
    event_type = fields.String(allow_none=True)
    title = fields.String(metadata={"description": "In the reader's language."})
    text = fields.String()
    link = fields.String(metadata={"description": "Where in the web UI it happened."})
    created_at = fields.DateTime()
    read = fields.Boolean()
    read_at = fields.DateTime(allow_none=True)
    items = fields.List(
        fields.Nested(DigestItemSchema),
        metadata={"description": "A digest's notifications (empty for the others)."},
    )


NotificationPage = page_schema("NotificationPage", NotificationSchema)


class InboxQuery(PageQuery):
    unread = fields.Boolean(metadata={"description": "Only unread (true) notifications."})


class MarkAllIn(Strict):
    up_to = fields.Integer(
        validate=int_range(1, BIGINT_MAX),
        metadata={"description": "The newest notification seen: later ones stay unread."},
    )


class MarkedSchema(Schema):
    marked = fields.Integer()


class UnreadSchema(Schema):
    unread = fields.Integer()


class PreferencesIn(Strict):
    inbox = fields.String(required=True, validate=MODE)
    email = fields.String(required=True, validate=MODE)
    language = fields.String(allow_none=True, load_default=None, validate=LANGUAGE)


class PreferencesSchema(PreferencesIn):
    class Meta:
        unknown = RAISE

    version = fields.Integer(dump_only=True)


# --- the directory ----------------------------------------------------------------------------


class RecipientIn(Strict):
    email = fields.String(allow_none=True, load_default=None, validate=EMAIL)
    language = fields.String(load_default="fi", validate=LANGUAGE)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    organisation = fields.String(allow_none=True, load_default=None, validate=ORGANISATION)
    active = fields.Boolean(load_default=True)


class RecipientSchema(RecipientIn):
    class Meta:
        unknown = RAISE

    subject = fields.String(dump_only=True)
    version = fields.Integer(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


RecipientPage = page_schema("RecipientPage", RecipientSchema)


class RecipientQuery(PageQuery):
    role = fields.String(validate=validate.OneOf(ROLES))
    organisation = fields.String(validate=ORGANISATION)


class ContactIn(Strict):
    email = fields.String(required=True, validate=EMAIL)
    language = fields.String(load_default="fi", validate=LANGUAGE)


class ContactSchema(ContactIn):
    class Meta:
        unknown = RAISE

    organisation = fields.String(dump_only=True)
    version = fields.Integer(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


# --- rules ------------------------------------------------------------------------------------


class RuleSchema(Schema):
    event_type = fields.String()
    description = fields.String()
    template = fields.String()
    enabled = fields.Boolean()
    webhooks = fields.Boolean(metadata={"description": "Whether webhooks may subscribe to it."})
    version = fields.Integer(
        metadata={"description": "0 until first switched; send it as If-Match to switch it."}
    )
    updated_by = fields.String(allow_none=True)
    updated_at = fields.DateTime(allow_none=True)


class RuleIn(Strict):
    enabled = fields.Boolean(required=True)


RULE_TYPES = validate.OneOf(sorted(RULES))


# --- webhooks ---------------------------------------------------------------------------------


def _webhook_url_form(url: str) -> None:
    """An http(s) URL with a host, no credentials and no fragment. Where its host resolves is
    checked by the view, once the caller is known to be allowed (it takes a name lookup)."""
    try:
        parse_target(url)
    except TargetRefused as exc:
        raise ValidationError(str(exc)) from None


WEBHOOK_URL = validate.And(validate.Length(min=1, max=2000), _webhook_url_form)
URL_DESCRIPTION = "An https (or http) URL at a public address."


def _event_types(required: bool) -> fields.List:
    return fields.List(
        fields.String(validate=validate.OneOf(WEBHOOK_EVENT_TYPES)),
        required=required,
        validate=validate.Length(min=1, max=len(WEBHOOK_EVENT_TYPES)),
    )


class WebhookIn(Strict):
    organisation = fields.String(
        validate=ORGANISATION,
        metadata={"description": "Required for admins; an integration registers its own."},
    )
    url = fields.String(
        required=True, validate=WEBHOOK_URL, metadata={"description": URL_DESCRIPTION}
    )
    event_types = _event_types(required=True)
    description = fields.String(allow_none=True, validate=validate.Length(max=500))

    @validates_schema(skip_on_field_errors=False)
    def _admins_name_the_organisation(self, data: dict[str, Any], **_: Any) -> None:
        # Checked with the fields, so that one answer names every bad field.
        if "organisation" not in data and current_principal().role == "admin":
            raise ValidationError("Name the organisation.", "organisation")


class WebhookChangeIn(Strict):
    url = fields.String(validate=WEBHOOK_URL, metadata={"description": URL_DESCRIPTION})
    event_types = _event_types(required=False)
    description = fields.String(allow_none=True, validate=validate.Length(max=500))

    @validates_schema
    def _changes_something(self, data: dict[str, Any], **_: Any) -> None:
        if not data:
            raise ValidationError("Change at least one of url, event_types and description.")


class WebhookSchema(Schema):
    id = fields.String()
    organisation = fields.String()
    url = fields.String()
    event_types = fields.List(fields.String())
    description = fields.String(allow_none=True)
    created_by = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Integer(metadata={"description": "The `ETag` a change must name."})
    secret_created_at = fields.DateTime(
        metadata={"description": "When the current signing secret was made."}
    )
    previous_secret_expires_at = fields.DateTime(
        allow_none=True,
        metadata={
            "description": "Until when a secret replaced by a rotation still signs "
            "beside the current one (none: only the current one signs)."
        },
    )


class WebhookSecretSchema(WebhookSchema):
    secret = fields.String(
        metadata={
            "description": "The Standard Webhooks signing secret (`whsec_…`). Shown only now."
        }
    )


WebhookPage = page_schema("WebhookPage", WebhookSchema)


class WebhookQuery(PageQuery):
    organisation = fields.String(validate=ORGANISATION)


# --- the delivery log -------------------------------------------------------------------------


class AttemptSchema(Schema):
    attempt = fields.Integer()
    started_at = fields.DateTime()
    duration_ms = fields.Integer()
    outcome = fields.String()
    status_code = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)


class DeliverySchema(Schema):
    id = fields.Integer()
    channel = fields.String()
    kind = fields.String()
    status = fields.String()
    event_id = fields.String(allow_none=True)
    event_type = fields.String(allow_none=True)
    recipient = fields.String(allow_none=True)
    destination = fields.String()
    endpoint_id = fields.String(allow_none=True)
    attempts = fields.Integer()
    first_attempt_at = fields.DateTime(allow_none=True)
    next_attempt_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    last_error = fields.String(allow_none=True)
    created_at = fields.DateTime()


class DeliveryDetailSchema(DeliverySchema):
    attempt_log = fields.List(fields.Nested(AttemptSchema))


DeliveryPage = page_schema("DeliveryPage", DeliverySchema)


class DeliveryQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(STATUSES))
    channel = fields.String(validate=validate.OneOf(CHANNELS))
    event_type = fields.String(validate=RULE_TYPES)
    kind = fields.String(validate=validate.OneOf(("single", "digest")))
    recipient = fields.String(validate=SUBJECT)
    endpoint_id = fields.String(validate=validate.And(validate.Length(min=1, max=64), identifier))


# --- dead letters -----------------------------------------------------------------------------

DEAD_LETTER_STATES = ("waiting", "replayed", "discarded")
QUEUE = FullMatch(
    r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}",
    error="A queue's name: letters, digits, dots, hyphens and underscores (up to 255).",
)


class DeadLetterSchema(Schema):
    id = fields.Integer()
    queue = fields.String(
        metadata={"description": "The consumer's queue it was dead-lettered from."}
    )
    event_types = fields.List(
        fields.String(), metadata={"description": "Empty: the message is no readable CloudEvent."}
    )
    event_ids = fields.List(
        fields.String(), metadata={"description": "The ids of its events (at most 100)."}
    )
    event_count = fields.Integer(metadata={"description": "How many events it carries."})
    reason = fields.String(
        metadata={"description": "The broker's latest reason: `rejected` or `delivery_limit`."}
    )
    death_count = fields.Integer(metadata={"description": "How many times it was dead-lettered."})
    first_dead_at = fields.DateTime()
    last_dead_at = fields.DateTime()
    state = fields.String(
        metadata={
            "description": "`waiting` in the dead-letter queue, `replayed` to its queue, or "
            "`discarded`."
        }
    )
    replays = fields.Integer(metadata={"description": "How many times it was replayed."})
    handled_by = fields.String(
        allow_none=True, metadata={"description": "The admin who last replayed or discarded it."}
    )
    handled_at = fields.DateTime(allow_none=True)


DeadLetterPage = page_schema("DeadLetterPage", DeadLetterSchema)


class DeadLetterQuery(PageQuery):
    queue = fields.String(validate=QUEUE, metadata={"description": "Only this queue's."})
    state = fields.String(validate=validate.OneOf(DEAD_LETTER_STATES))


class DeadLetterQueueSchema(Schema):
    queue = fields.String()
    waiting = fields.Integer()
    replayed = fields.Integer()
    discarded = fields.Integer()
    last_dead_at = fields.DateTime()
    messages = fields.Integer(
        allow_none=True,
        metadata={
            "description": "Messages in its dead-letter queue now (none: the broker did not "
            "say); more than `waiting` if some died before the watcher recorded them."
        },
    )


class ReplayAllQuery(Strict):
    queue = fields.String(required=True, validate=QUEUE)


class ReplayedSchema(Schema):
    queue = fields.String()
    replayed = fields.Integer(metadata={"description": "Messages moved back to the queue."})
    still_waiting = fields.Integer(
        metadata={"description": "Dead letters of the queue still waiting (not found in it)."}
    )
