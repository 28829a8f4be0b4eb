"""The pilots service's closed vocabularies (stored and published as these codes)."""

from __future__ import annotations

ORGANISATION_TYPES = (
    "wellbeing_services_county",
    "municipality",
    "state_reform_school",
    "ngo",
    "research_or_education",
    "company",
    "other",
)

ACTIVITY_TYPES = (
    "individual_support",
    "group",
    "family_work",
    "culture",
    "sports",
    "guided_leisure",
    "peer_support",
    "co_development",  # with experts by experience
    "parent_education_or_employment",  # support for parents' education or employment
    "other",
)

SCHEDULES = ("one_off", "recurring")
RECURRENCES = ("weekly", "fortnightly", "monthly")
PLACE_TYPES = ("office", "school", "youth_centre", "home_visit", "outdoors", "online", "other")
MEMBER_ROLES = ("worker", "lead")
EVIDENCE_KINDS = ("learning", "evaluation_result", "model_description")
