"""Request and response schemas of the pilots service's reference data: validation, serialisation
and the OpenAPI document at once. Every request schema refuses unknown fields."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from services.pilots.domain import vocabulary as v
from services.pilots.domain.lifecycle import PHASES
from shared.reference.regions import region_codes
from shared.resources import PageQuery
from shared.validation import FullMatch, StrictSchema, identifier, int_range, number_range

SLUG = FullMatch(
    r"[a-z0-9][a-z0-9-]{1,62}", error="Use 2–63 lower-case letters, digits and hyphens."
)
TEXT = validate.Length(min=1, max=500)
REGION = validate.OneOf(sorted(region_codes()))


#: The user's id in the identity provider (a token's ``sub``).
SUBJECT = validate.And(validate.Length(min=1, max=200), identifier)
BUSINESS_ID = FullMatch(r"\d{7}-\d", error="A Y-tunnus is 1234567-8.")


Strict = StrictSchema  # the one strict request schema (shared.validation)


# --- regions and organisations ----------------------------------------------------------------


class RegionSchema(Schema):
    code = fields.String(metadata={"description": "01–21 counties, 90 Helsinki, 91 Åland."})
    kind = fields.String()
    name_fi = fields.String()
    name_sv = fields.String()


class OrganisationIn(Strict):
    id = fields.String(required=True, validate=SLUG)
    name = fields.String(required=True, validate=TEXT)
    type = fields.String(required=True, validate=validate.OneOf(v.ORGANISATION_TYPES))
    business_id = fields.String(
        allow_none=True,
        validate=BUSINESS_ID,
        metadata={"description": "Y-tunnus (business id)."},
    )
    region_code = fields.String(allow_none=True, validate=REGION)


class OrganisationPatch(Strict):
    name = fields.String(validate=TEXT)
    type = fields.String(validate=validate.OneOf(v.ORGANISATION_TYPES))
    business_id = fields.String(allow_none=True, validate=BUSINESS_ID)
    region_code = fields.String(allow_none=True, validate=REGION)


class OrganisationSchema(OrganisationIn):
    class Meta:
        unknown = RAISE

    version = fields.Integer(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class OrganisationQuery(PageQuery):
    type = fields.String(validate=validate.OneOf(v.ORGANISATION_TYPES))
    region = fields.String(validate=REGION)


# --- pilots -----------------------------------------------------------------------------------


class MemberSchema(Strict):
    subject = fields.String(
        required=True,
        validate=SUBJECT,
        metadata={"description": "The user's id in the identity provider (the token's sub)."},
    )
    role = fields.String(required=True, validate=validate.OneOf(v.MEMBER_ROLES))


class _PilotFields(Strict):
    name_fi = fields.String(required=True, validate=TEXT)
    name_sv = fields.String(allow_none=True, validate=TEXT)
    name_en = fields.String(allow_none=True, validate=TEXT)
    lead_organisation_id = fields.String(required=True, validate=SLUG)
    partner_organisation_ids = fields.List(
        fields.String(validate=SLUG), load_default=list, validate=validate.Length(max=50)
    )
    regions = fields.List(
        fields.String(validate=REGION), required=True, validate=validate.Length(min=1, max=23)
    )
    theme = fields.String(required=True, validate=TEXT)
    target_group = fields.String(required=True, validate=TEXT)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(allow_none=True)
    idle_days = fields.Integer(
        load_default=30,
        validate=int_range(1, 365),
        metadata={"description": "A case with no activity for this many days is idle."},
    )
    members = fields.List(
        fields.Nested(MemberSchema), load_default=list, validate=validate.Length(max=500)
    )
    active = fields.Boolean(load_default=True)

    @validates_schema
    def _dates(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise ValidationError("Must not be before starts_on.", "ends_on")


class PilotIn(_PilotFields):
    id = fields.String(
        required=True,
        validate=SLUG,
        metadata={"description": "The pilot's id, as tokens' `pilots` claims name it."},
    )


class PilotPatch(_PilotFields):
    """Any of the fields; the result is validated whole again before it is stored."""


class PilotSchema(Schema):
    id = fields.String()
    name_fi = fields.String()
    name_sv = fields.String(allow_none=True)
    name_en = fields.String(allow_none=True)
    lead_organisation_id = fields.String()
    partner_organisation_ids = fields.List(fields.String())
    regions = fields.List(fields.String())
    theme = fields.String()
    target_group = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)
    idle_days = fields.Integer()
    members = fields.List(fields.Nested(MemberSchema))
    active = fields.Boolean()
    phase = fields.String(metadata={"description": "The innovation's lifecycle phase."})
    version = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class PilotQuery(PageQuery):
    region = fields.String(validate=REGION)
    phase = fields.String(validate=validate.OneOf(PHASES))
    organisation = fields.String(
        validate=SLUG, metadata={"description": "Lead or partner organisation."}
    )
    active = fields.Boolean()


class PhaseChangeIn(Strict):
    to_phase = fields.String(required=True, validate=validate.OneOf(PHASES))
    changed_on = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class PhaseChangeSchema(Schema):
    from_phase = fields.String(allow_none=True)
    to_phase = fields.String()
    changed_on = fields.Date()
    reason = fields.String()
    changed_by = fields.String()
    recorded_at = fields.DateTime()


class EvidenceIn(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(v.EVIDENCE_KINDS))
    title = fields.String(required=True, validate=TEXT)
    description = fields.String(allow_none=True, validate=validate.Length(max=10_000))
    url = fields.Url(allow_none=True, schemes={"https", "http"})
    recorded_on = fields.Date(required=True)


class EvidenceSchema(EvidenceIn):
    class Meta:
        unknown = RAISE

    id = fields.String(dump_only=True)
    recorded_by = fields.String(dump_only=True)
    recorded_at = fields.DateTime(dump_only=True)


class LifecycleSchema(Schema):
    pilot_id = fields.String()
    phase = fields.String()
    allowed_next = fields.List(fields.String())
    history = fields.List(fields.Nested(PhaseChangeSchema))
    evidence = fields.List(fields.Nested(EvidenceSchema))


# --- activities -------------------------------------------------------------------------------


class _ActivityFields(Strict):
    name = fields.String(required=True, validate=TEXT)
    activity_type = fields.String(required=True, validate=validate.OneOf(v.ACTIVITY_TYPES))
    schedule = fields.String(required=True, validate=validate.OneOf(v.SCHEDULES))
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(allow_none=True)
    recurrence = fields.String(allow_none=True, validate=validate.OneOf(v.RECURRENCES))
    place_type = fields.String(required=True, validate=validate.OneOf(v.PLACE_TYPES))
    capacity = fields.Integer(allow_none=True, validate=int_range(1, 100_000))
    workers = fields.List(
        fields.String(validate=SUBJECT),
        load_default=list,
        validate=validate.Length(max=100),
    )
    active = fields.Boolean(load_default=True)

    @validates_schema
    def _schedule(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("schedule") == "recurring" and not data.get("recurrence"):
            raise ValidationError("A recurring activity needs a recurrence.", "recurrence")
        if data.get("schedule") == "one_off" and data.get("recurrence"):
            raise ValidationError("A one-off activity has no recurrence.", "recurrence")
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] < data["starts_at"]:
            raise ValidationError("Must not be before starts_at.", "ends_at")


class ActivityIn(_ActivityFields):
    id = fields.String(validate=SLUG, metadata={"description": "Optional; generated if not given."})
    pilot_id = fields.String(required=True, validate=SLUG)


class ActivityPatch(_ActivityFields):
    """Any of the fields; the result is validated whole again before it is stored."""


class ActivitySchema(Schema):
    id = fields.String()
    pilot_id = fields.String()
    name = fields.String()
    activity_type = fields.String()
    schedule = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime(allow_none=True)
    recurrence = fields.String(allow_none=True)
    place_type = fields.String()
    capacity = fields.Integer(allow_none=True)
    workers = fields.List(fields.String())
    active = fields.Boolean()
    version = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ActivityQuery(PageQuery):
    pilot = fields.String(validate=SLUG)
    activity_type = fields.String(validate=validate.OneOf(v.ACTIVITY_TYPES))
    worker = fields.String(validate=SUBJECT)
    starts_from = fields.AwareDateTime(metadata={"description": "Starting at or after."})
    starts_before = fields.AwareDateTime()
    active = fields.Boolean()


# --- instruments ------------------------------------------------------------------------------


class _InstrumentFields(Strict):
    name = fields.String(required=True, validate=TEXT)
    description = fields.String(allow_none=True, validate=validate.Length(max=10_000))
    min_value = fields.Float(allow_none=True, allow_nan=False, validate=number_range())
    max_value = fields.Float(allow_none=True, allow_nan=False, validate=number_range())
    active = fields.Boolean(load_default=True)

    @validates_schema
    def _range(self, data: dict[str, Any], **_: Any) -> None:
        low, high = data.get("min_value"), data.get("max_value")
        if low is not None and high is not None and high < low:
            raise ValidationError("Must not be below min_value.", "max_value")


class InstrumentIn(_InstrumentFields):
    code = fields.String(
        required=True,
        validate=FullMatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}", error="Not a valid code."),
    )


class InstrumentPatch(_InstrumentFields):
    """Any of the fields; the result is validated whole again before it is stored."""


class InstrumentSchema(Schema):
    code = fields.String()
    name = fields.String()
    description = fields.String(allow_none=True)
    min_value = fields.Float(allow_none=True)
    max_value = fields.Float(allow_none=True)
    active = fields.Boolean()
    version = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
