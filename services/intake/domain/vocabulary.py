"""The closed vocabularies of intake items. Values are the API's; CSV files may use Finnish or
Swedish words that the file reader maps to these (``files.VALUE_WORDS``, listed in the README)."""

from __future__ import annotations

GENDERS = ("female", "male", "non_binary", "unknown")

#: Who referred the young person to the pilot.
REFERRING_ORGANISATION_TYPES = (
    "child_welfare",
    "school",
    "health_care",
    "youth_services",
    "police",
    "state_reform_school",
    "ngo",
    "family",
    "self",
    "other",
)

#: Why, in coarse categories (never free text: free text invites names and diagnoses).
REFERRAL_REASONS = (
    "family_situation",
    "mental_health",
    "substance_use",
    "school_attendance",
    "crime_or_risk_of_crime",
    "aftercare",
    "placement",
    "other",
)

ATTENDANCE = ("attended", "absent", "cancelled")

#: How the young person took part: a service, a leisure activity (culture, sports, guided
#: leisure), co-development as an expert by experience, giving feedback, or being heard in one's
#: own case.
PARTICIPATION_KINDS = (
    "service",
    "culture",
    "sports",
    "guided_leisure",
    "co_development",
    "feedback",
    "being_heard",
)

TIME_POINTS = ("baseline", "interim", "follow_up")

ITEM_KINDS = ("referral", "participation", "outcome")
