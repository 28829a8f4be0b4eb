"""marshmallow schemas of intake items: the rules every item meets, whether it comes through the
API or in a file; the API publishes them in its OpenAPI document.

Messages never contain the submitted value: an identity code in the wrong field must not come back
in an error. Every schema refuses unknown fields.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from marshmallow import ValidationError, fields, validate, validates_schema

from services.intake.domain import vocabulary as v
from services.intake.domain.hetu import IdentityCode, InvalidIdentityCode, parse_identity_code
from services.intake.domain.identifiers import InvalidIdentifier, normalise_identifier
from shared.reference.regions import region_codes
from shared.validation import FullMatch, StrictSchema, int_range, number_range

EARLIEST = date(1900, 1, 1)
#: Clocks differ a little between systems; a time this far ahead is still "now".
CLOCK_SKEW = timedelta(minutes=5)
_TEXT_ID = FullMatch(r"[\w.:/@#+-]{1,200}", error="Use 1–200 letters, digits or . : / @ # + - _.")


def _past_date(value: date) -> None:
    if value < EARLIEST:
        raise ValidationError("Must not be before 1900-01-01.")
    if value > (datetime.now(UTC) + CLOCK_SKEW).date() + timedelta(days=1):
        raise ValidationError("Must not be in the future.")


class Identifier(fields.String):
    """An identifier, loaded in its one form (NFKC, trimmed; see ``identifiers``) before it is
    validated, compared or pseudonymised."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normalise_identifier(text)
        except InvalidIdentifier as exc:
            raise ValidationError(f"Not a valid identifier: it {exc}.") from None


class IdentityCodeField(Identifier):
    """A henkilötunnus, loaded as a validated ``IdentityCode``: parsed once, and what travels on
    from here hides the code in its ``repr``."""

    # A String in the OpenAPI document (what a client sends), an IdentityCode once loaded.
    def _deserialize(  # type: ignore[override]
        self, value: Any, attr: Any, data: Any, **kwargs: Any
    ) -> IdentityCode:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return parse_identity_code(text)
        except InvalidIdentityCode as exc:
            raise ValidationError(f"Not a valid personal identity code: {exc}.") from None


class LocalDateTime(fields.DateTime):
    """A date-time; without a zone it is taken to be in the configured local zone (Helsinki)."""

    def __init__(self, zone: str = "Europe/Helsinki", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.zone = ZoneInfo(zone)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> datetime:
        result = super()._deserialize(value, attr, data, **kwargs)
        if result.tzinfo is None:
            result = result.replace(tzinfo=self.zone)
        if result < datetime(1900, 1, 1, tzinfo=UTC):
            raise ValidationError("Must not be before 1900-01-01.")
        if result > datetime.now(UTC) + CLOCK_SKEW:
            raise ValidationError("Must not be in the future.")
        return result


def _not_an_identity_code(value: str) -> None:
    """A source id is published (``referral.received``, ``case.opened``, the referring system's
    webhook): one that is a valid personal identity code — a file whose columns were mapped
    wrong, an export keyed by the young person — would publish the identifier itself."""
    if len(value) != 11:  # the cheap test first: a henkilötunnus has 11 characters
        return
    try:
        parse_identity_code(value)
    except InvalidIdentityCode:
        return
    raise ValidationError("A source id may not be a personal identity code.")


class ItemSchema(StrictSchema):
    """Fields every item has: where it comes from, which pilot, and who (by one identifier)."""

    source_system = Identifier(
        required=True,
        validate=_TEXT_ID,
        metadata={"description": "The sending system, e.g. apotti-hus."},
    )
    source_id = Identifier(
        required=True,
        validate=[_TEXT_ID, _not_an_identity_code],
        metadata={
            "description": "The item's id in the sending system; "
            "a replay with the same pair is a duplicate."
        },
    )
    pilot_id = Identifier(required=True, validate=_TEXT_ID)
    personal_identity_code = IdentityCodeField(
        load_only=True,
        metadata={"description": "Henkilötunnus; replaced by a keyed pseudonym, never stored."},
    )
    client_system = Identifier(load_only=True, validate=_TEXT_ID)
    client_id = Identifier(
        load_only=True,
        validate=_TEXT_ID,
        metadata={
            "description": "The client number in client_system; "
            "replaced by a keyed pseudonym, never stored."
        },
    )

    #: Whether the client may be named by a case of the case map instead (``case_id``).
    BY_CASE: ClassVar[bool] = False

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _one_identifier(self, data: dict[str, Any], original: Any, **_: Any) -> None:
        # What was sent counts, valid or not: an invalid code is reported once, by its field.
        sent = original if isinstance(original, dict) else data
        has_code = "personal_identity_code" in sent
        regional = ("client_system" in sent, "client_id" in sent)
        if self.BY_CASE and "case_id" in sent:
            if has_code or any(regional):
                raise ValidationError(
                    "Give one of personal_identity_code, client_system with client_id, or case_id.",
                    "case_id",
                )
            return
        if has_code and any(regional):
            raise ValidationError(
                "Give either personal_identity_code or client_system with client_id, not both.",
                "personal_identity_code",
            )
        if not has_code and regional == (True, False):
            raise ValidationError("client_system needs client_id.", "client_id")
        if not has_code and regional == (False, True):
            raise ValidationError("client_id needs client_system.", "client_system")
        if not has_code and not any(regional):
            raise ValidationError(
                "Identify the client by personal_identity_code, by client_system and client_id, "
                "or by case_id."
                if self.BY_CASE
                else "Identify the client by personal_identity_code or by client_system and "
                "client_id.",
                "personal_identity_code",
            )


class ByCase(ItemSchema):
    """An item whose client may also be named by a case (an open case of the item's pilot, from
    the case map): a worker who has the case at hand never types the identity code again."""

    BY_CASE = True

    case_id = Identifier(
        validate=_TEXT_ID,
        metadata={
            "description": "An open case of the item's pilot, instead of personal_identity_code "
            "or client_system with client_id."
        },
    )


class ReferralSchema(ItemSchema):
    birth_date = fields.Date(validate=_past_date)
    birth_year_month = fields.String(
        validate=FullMatch(r"(19|20)\d\d-(0[1-9]|1[0-2])", error="Use YYYY-MM.")
    )
    gender = fields.String(required=True, validate=validate.OneOf(v.GENDERS))
    home_region = fields.String(
        required=True,
        validate=validate.OneOf(sorted(region_codes())),
        metadata={"description": "Region code (01–21, 90 Helsinki, 91 Åland)."},
    )
    referring_organisation_type = fields.String(
        required=True, validate=validate.OneOf(v.REFERRING_ORGANISATION_TYPES)
    )
    reason = fields.String(required=True, validate=validate.OneOf(v.REFERRAL_REASONS))
    referred_on = fields.Date(required=True, validate=_past_date)

    @validates_schema
    def _birth(self, data: dict[str, Any], **_: Any) -> None:
        if "personal_identity_code" in data:
            return  # the code carries the birth date
        if "birth_date" not in data and "birth_year_month" not in data:
            raise ValidationError(
                "Give birth_date or birth_year_month (or a personal identity code).", "birth_date"
            )
        if "birth_year_month" in data and data["birth_year_month"] > date.today().strftime("%Y-%m"):
            raise ValidationError("Must not be in the future.", "birth_year_month")


class ParticipationSchema(ByCase):
    activity_id = Identifier(required=True, validate=_TEXT_ID)
    occurred_at = LocalDateTime(required=True)
    duration_minutes = fields.Integer(validate=int_range(0, 24 * 60))
    attendance = fields.String(required=True, validate=validate.OneOf(v.ATTENDANCE))
    kind = fields.String(required=True, validate=validate.OneOf(v.PARTICIPATION_KINDS))


class OutcomeSchema(ByCase):
    instrument = Identifier(
        required=True,
        validate=_TEXT_ID,
        metadata={"description": "A code of the instrument catalogue."},
    )
    value = fields.Float(required=True, allow_nan=False, validate=number_range())
    time_point = fields.String(required=True, validate=validate.OneOf(v.TIME_POINTS))
    measured_on = fields.Date(required=True, validate=_past_date)


ITEM_SCHEMAS: dict[str, type[ItemSchema]] = {
    "referral": ReferralSchema,
    "participation": ParticipationSchema,
    "outcome": OutcomeSchema,
}


# --- finding a young person's cases ---------------------------------------------------------------


class ClientNumberSchema(StrictSchema):
    """A regional client number, as items carry it: the client system and the number in it."""

    client_system = Identifier(required=True, validate=_TEXT_ID)
    client_id = Identifier(
        required=True,
        validate=_TEXT_ID,
        metadata={"description": "The client number in client_system; never stored."},
    )


class CaseLookupSchema(StrictSchema):
    """Whose cases to find: the young person by identity code or by regional client number — the
    same rules as items' (NFKC, the full henkilötunnus check), and neither is ever stored."""

    identity_code = IdentityCodeField(
        load_only=True,
        metadata={"description": "Henkilötunnus; pseudonymised to look up, never stored."},
    )
    client_number = fields.Nested(ClientNumberSchema, load_only=True)

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _one_identifier(self, data: dict[str, Any], original: Any, **_: Any) -> None:
        sent = original if isinstance(original, dict) else data
        if "identity_code" in sent and "client_number" in sent:
            raise ValidationError(
                "Give either identity_code or client_number, not both.", "identity_code"
            )
        if "identity_code" not in sent and "client_number" not in sent:
            raise ValidationError(
                "Identify the young person by identity_code or by client_number.", "identity_code"
            )


# --- attendance registers -------------------------------------------------------------------------


class RegisterEntrySchema(StrictSchema):
    case_id = Identifier(
        required=True,
        validate=_TEXT_ID,
        metadata={"description": "An open case of the activity's pilot."},
    )
    attendance = fields.String(required=True, validate=validate.OneOf(v.ATTENDANCE))


class _SessionStart(fields.AwareDateTime):
    """A session's start: a date-time with its zone, not in the future (as a participation's)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> datetime:
        result = super()._deserialize(value, attr, data, **kwargs)
        if result < datetime(1900, 1, 1, tzinfo=UTC):
            raise ValidationError("Must not be before 1900-01-01.")
        if result > datetime.now(UTC) + CLOCK_SKEW:
            raise ValidationError("Must not be in the future.")
        return result


#: The most entries one register may have.
MAX_REGISTER_ENTRIES = 1000


class RegisterSchema(StrictSchema):
    """One session of an activity and each case's attendance in it."""

    starts_at = _SessionStart(
        required=True,
        metadata={"description": "When the session started, with its zone (ISO 8601)."},
    )
    duration_minutes = fields.Integer(required=True, strict=True, validate=int_range(0, 24 * 60))
    kind = fields.String(
        validate=validate.OneOf(v.PARTICIPATION_KINDS),
        metadata={"description": "As participations take it; by default from the activity's type."},
    )
    attendance = fields.List(
        fields.Nested(RegisterEntrySchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_REGISTER_ENTRIES),
    )

    @validates_schema(skip_on_field_errors=True)
    def _each_case_once(self, data: dict[str, Any], **_: Any) -> None:
        seen: set[str] = set()
        twice: dict[int, dict[str, list[str]]] = {}
        for index, entry in enumerate(data["attendance"]):
            if entry["case_id"] in seen:
                twice[index] = {"case_id": ["Given more than once in this register."]}
            seen.add(entry["case_id"])
        if twice:
            raise ValidationError({"attendance": twice})


def session_start(text: str) -> datetime:
    """A session's start as a path gives it; ``ValueError`` (saying what is wanted) otherwise."""
    try:
        return _SessionStart().deserialize(text)
    except ValidationError:
        raise ValueError(
            "A date-time with its zone, e.g. 2026-10-01T16:00:00+03:00, not in the future."
        ) from None
