"""Attendance registers: one session of an activity (its start, duration and kind) and each case's
mark in it. What a register changes, decided without I/O: a case's first mark is a new
participation, the same mark again is nothing new, and a changed mark (attendance, or the
session's duration or kind) is a new participation that corrects the earlier one."""

from __future__ import annotations

from dataclasses import dataclass

#: The ``source_system`` of the participations a register records (each with a source id of its
#: own): intake itself, on behalf of the worker who sent the register.
REGISTER_SOURCE = "turvaverkko-register"

#: A participation's ``kind`` when the register does not say it, by the activity's type.
_KIND_BY_ACTIVITY_TYPE = {
    "culture": "culture",
    "sports": "sports",
    "guided_leisure": "guided_leisure",
    "co_development": "co_development",
}


def default_kind(activity_type: str | None) -> str:
    """``culture``, ``sports``, ``guided_leisure`` and ``co_development`` activities give their
    own kind; every other type (individual or group support, family work, …) is a ``service``."""
    return _KIND_BY_ACTIVITY_TYPE.get(activity_type or "", "service")


@dataclass(frozen=True)
class Mark:
    """What a case's participation in a session says."""

    attendance: str
    duration_minutes: int
    kind: str


@dataclass(frozen=True)
class Stored:
    """A mark as stored, with the event that records it."""

    mark: Mark
    event_id: str


def change(new: Mark, stored: Stored | None) -> str:
    """``accepted`` (a first mark), ``duplicate`` (the same mark again) or ``corrected``."""
    if stored is None:
        return "accepted"
    return "duplicate" if stored.mark == new else "corrected"
