"""``case-map``: intake's own copy of the cases the pilots service opens (``case.opened``) and
anonymises (``case.anonymised``), so that a worker can look a young person's case up, and name a
case instead of the young person in items and attendance registers, without intake reading
another service's database. Each event has its effect once (the consumer's ``processed_event``);
a duplicated ``case.opened`` changes nothing, and an anonymisation that overtakes its opening
leaves the case anonymised."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields

from services.intake.domain.cases import OpenedCase
from services.intake.domain.pseudonym import Pseudonym
from services.intake.usecases import case_map
from shared.db import UnitOfWork
from shared.messaging.consumer import ConsumerSpec
from shared.messaging.envelope import Envelope
from shared.messaging.events import EventType


class _EarlierPseudonyms(fields.Field):
    """``earlier_pseudonyms`` as a list of ``{"key_id", "pseudonym"}`` or, as intake's own
    events carry them, an object of pseudonyms by key id; loaded as the latter."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> dict[str, str]:
        if isinstance(value, dict):
            pairs = list(value.items())
        elif isinstance(value, list) and all(isinstance(v, dict) for v in value):
            pairs = [(v.get("key_id"), v.get("pseudonym")) for v in value]
        else:
            raise ValidationError("A list of {key_id, pseudonym}, or pseudonyms by key id.")
        if not all(isinstance(k, str) and k and isinstance(p, str) and p for k, p in pairs):
            raise ValidationError("Every entry needs a key id and a pseudonym.")
        return dict(pairs)


class CaseOpenedData(Schema):
    class Meta:
        unknown = EXCLUDE  # the referral's source and whatever else pilots adds

    case_id = fields.String(required=True)
    case_code = fields.String(required=True)
    pilot_id = fields.String(required=True)
    key_id = fields.String(required=True)
    pseudonym = fields.String(required=True)
    earlier_pseudonyms = _EarlierPseudonyms(load_default=dict)
    previous_case_id = fields.String(load_default=None, allow_none=True)
    opened_at = fields.AwareDateTime(required=True)


class CaseAnonymisedData(Schema):
    class Meta:
        unknown = EXCLUDE

    case_id = fields.String(required=True)
    pilot_id = fields.String(required=True)


def apply_case_opened(event: Envelope, uow: UnitOfWork) -> None:
    d = CaseOpenedData().load(event.data)
    case_map.case_opened(
        uow,
        OpenedCase(
            case_id=d["case_id"],
            case_code=d["case_code"],
            pilot_id=d["pilot_id"],
            pseudonym=Pseudonym(d["key_id"], d["pseudonym"]),
            opened_at=d["opened_at"],
            previous_case_id=d["previous_case_id"],
            earlier_pseudonyms={
                k: v for k, v in d["earlier_pseudonyms"].items() if k != d["key_id"]
            },
        ),
    )


def apply_case_anonymised(event: Envelope, uow: UnitOfWork) -> None:
    d = CaseAnonymisedData().load(event.data)
    case_map.case_anonymised(uow, d["case_id"], d["pilot_id"])


class CaseTransitionedData(Schema):
    class Meta:
        unknown = EXCLUDE

    case_id = fields.String(required=True)
    to_state = fields.String(required=True)
    at = fields.AwareDateTime(required=True)


#: The moves after which no item may name the case.
_ENDED = frozenset({"closed", "declined"})


def apply_case_transitioned(event: Envelope, uow: UnitOfWork) -> None:
    d = CaseTransitionedData().load(event.data)
    if d["to_state"] in _ENDED:
        case_map.case_ended(uow, d["case_id"], d["at"])


CASE_MAP = ConsumerSpec(
    "intake",
    "case-map",
    {
        EventType.CASE_OPENED.value: apply_case_opened,
        EventType.CASE_ANONYMISED.value: apply_case_anonymised,
        EventType.CASE_TRANSITIONED.value: apply_case_transitioned,
    },
)
