"""What an item becomes: its result (accepted, duplicate or rejected) and, once accepted, the
client's pseudonym and coarse attributes and the data of the event that is published. Pure
functions and values; the store decides what exists and what is new."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from services.intake.domain.age import age_band, age_on
from services.intake.domain.hetu import IdentityCode
from services.intake.domain.pseudonym import Pseudonym, Pseudonymiser
from shared.messaging.events import EventType

EVENT_TYPES: dict[str, str] = {
    "referral": EventType.REFERRAL_RECEIVED,
    "participation": EventType.PARTICIPATION_RECORDED,
    "outcome": EventType.OUTCOME_RECORDED,
}


@dataclass
class ItemResult:
    """What became of one item of a request or a file's batch, by its position."""

    index: int
    status: str  # accepted | duplicate | rejected
    event_id: str | None = None
    errors: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"index": self.index, "status": self.status}
        if self.event_id:
            out["event_id"] = self.event_id
        if self.errors:
            out["errors"] = self.errors
        return out


@dataclass(frozen=True)
class ClientProfile:
    """What intake keeps of a client besides the pseudonym: coarse enough to be safe, enough to
    give later events an age band, a gender and a region."""

    birth_year: int | None = None
    birth_month: int | None = None
    gender: str = "unknown"
    home_region: str | None = None
    birth_day: int | None = None  # only while handling the referral itself; never stored

    def band_on(self, day: date) -> str:
        if self.birth_year is None or self.birth_month is None:
            return age_band(None)
        return age_band(age_on(self.birth_year, self.birth_month, day, self.birth_day))


def profile_for(item: dict[str, Any], stored: ClientProfile) -> ClientProfile:
    """The profile an item's event is described by: the stored one (from the referral), with the
    exact birth date when the item itself carries an identity code."""
    code: IdentityCode | None = item.get("personal_identity_code")
    if code is None:
        return stored
    birth = code.birth_date
    return dataclasses.replace(
        stored, birth_year=birth.year, birth_month=birth.month, birth_day=birth.day
    )


def pseudonym_of(
    item: dict[str, Any], pseudonymiser: Pseudonymiser, key_id: str | None = None
) -> Pseudonym:
    """The keyed pseudonym of the item's client; the identifier itself goes no further. (An item
    naming a case has the case's pseudonym instead: ``MappedCase.pseudonym``.)"""
    code: IdentityCode | None = item.get("personal_identity_code")
    if code is not None:
        return pseudonymiser.of_identity_code(code, key_id)
    return pseudonymiser.of_regional_client(item["client_system"], item["client_id"], key_id)


def earlier_pseudonyms(item: dict[str, Any], pseudonymiser: Pseudonymiser) -> dict[str, str]:
    """The client's pseudonyms under the keys being rotated out, by key id (empty otherwise)."""
    return {
        key_id: pseudonym_of(item, pseudonymiser, key_id).value
        for key_id in pseudonymiser.earlier_key_ids
    }


def referral_profile(item: dict[str, Any]) -> ClientProfile:
    """The client's profile as a referral states it."""
    birth: date | None = None
    year = month = None
    code: IdentityCode | None = item.get("personal_identity_code")
    if code is not None:
        birth = code.birth_date
    elif item.get("birth_date") is not None:
        birth = item["birth_date"]
    elif item.get("birth_year_month"):
        year, month = (int(part) for part in item["birth_year_month"].split("-"))
    if birth is not None:
        year, month = birth.year, birth.month
    return ClientProfile(
        year, month, item["gender"], item["home_region"], birth.day if birth else None
    )


def identifier_kind(item: dict[str, Any]) -> dict[str, Any]:
    """How the client was identified. A temporary identity code (900–999) is flagged: the same
    young person will later have a permanent code, and so another pseudonym. An item that names
    a case carries the case id too."""
    code: IdentityCode | None = item.get("personal_identity_code")
    if code is not None:
        return {"identified_by": "identity_code", "temporary_identity": code.temporary}
    if "case_id" in item:  # named by its case: the case's pseudonym, and the case id itself
        return {"identified_by": "case_id", "temporary_identity": False, "case_id": item["case_id"]}
    return {"identified_by": "regional_client_id", "temporary_identity": False}


def event_data(
    kind: str,
    item: dict[str, Any],
    pseudonym: Pseudonym,
    profile: ClientProfile,
    activity_type: str | None = None,
    organisation: str | None = None,
) -> dict[str, Any]:
    """The published data: pseudonym, coarse attributes and the item's own facts — no identifier.
    A referral also names its source (``source_id``) and the submitting caller's
    ``organisation``, so that the case it opens can be told to the referring system."""
    common = identifier_kind(item) | {
        "pilot_id": item["pilot_id"],
        "source_system": item["source_system"],
        "key_id": pseudonym.key_id,
        "pseudonym": pseudonym.value,
        "gender": profile.gender,
        "home_region": profile.home_region,
    }
    if kind == "referral":
        return common | {
            "age_band": profile.band_on(item["referred_on"]),
            "source_id": item["source_id"],
            "organisation": organisation,
            "referring_organisation_type": item["referring_organisation_type"],
            "reason": item["reason"],
            "referred_on": item["referred_on"].isoformat(),
        }
    if kind == "participation":
        occurred: datetime = item["occurred_at"]
        return (
            common
            | {
                "age_band": profile.band_on(occurred.date()),
                "activity_id": item["activity_id"],
                "activity_type": activity_type,
                "occurred_at": occurred.isoformat(),
                "duration_minutes": item.get("duration_minutes"),
                "attendance": item["attendance"],
                "kind": item["kind"],
            }
            | ({"corrects": item["corrects"]} if "corrects" in item else {})
        )
    return common | {
        "age_band": profile.band_on(item["measured_on"]),
        "instrument": item["instrument"],
        "value": item["value"],
        "time_point": item["time_point"],
        "measured_on": item["measured_on"].isoformat(),
    }
