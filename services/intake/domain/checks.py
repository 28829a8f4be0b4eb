"""What an item is checked against besides its schema: intake's copy of the reference data (the
pilot exists and is active, the activity is the pilot's, the instrument is in the catalogue and
the value in its range), the case map (a named case is an open case of the item's pilot) and
whether the caller submits for the item's pilot. Pure functions over what the use case has read;
each refusal is an RFC 9457 ``errors`` entry naming the field, never repeating its value."""

from __future__ import annotations

from typing import Any

from services.intake.domain.cases import NOT_AN_OPEN_CASE, MappedCase


def error(pointer: str, detail: str) -> list[dict[str, str]]:
    """One field's refusal, as the ``errors`` of an item's result."""
    return [{"pointer": pointer, "detail": detail}]


def source_taken() -> list[dict[str, str]]:
    """The source system already sent an item with this id, for another pilot: an id names one
    item, and the other pilot's event is not given away."""
    return error("#/source_id", "This source id already names an item of another pilot.")


def reference_errors(
    kind: str,
    item: dict[str, Any],
    submits_for_pilot: bool,
    pilots: dict,
    activities: dict,
    instruments: dict,
    cases: dict[str, MappedCase],
) -> list[dict[str, str]]:
    """Checks against the reference data copy, the case map and the caller's pilots
    (``submits_for_pilot``: whether the caller may submit items of the item's pilot)."""
    errors: list[dict[str, str]] = []
    pilot = pilots.get(item["pilot_id"])
    if pilot is None:
        return error("#/pilot_id", "Unknown pilot.")
    if not submits_for_pilot:
        return error("#/pilot_id", "Not one of your pilots.")
    if not pilot.active:
        errors += error("#/pilot_id", "The pilot is not active.")
    if "case_id" in item:
        # Unknown, anonymised or another pilot's: the same answer, telling nothing of which.
        case = cases.get(item["case_id"])
        if case is None or not case.takes_items_of(item["pilot_id"]):
            errors += error("#/case_id", NOT_AN_OPEN_CASE)
    if kind == "participation":
        activity = activities.get(item["activity_id"])
        if activity is None or activity.pilot_id != item["pilot_id"]:
            errors += error("#/activity_id", "Unknown activity for this pilot.")
    if kind == "outcome":
        instrument = instruments.get(item["instrument"])
        if instrument is None or not instrument.active:
            errors += error("#/instrument", "Not an instrument of the catalogue.")
        else:
            low, high = instrument.min_value, instrument.max_value
            if (low is not None and item["value"] < float(low)) or (
                high is not None and item["value"] > float(high)
            ):
                errors += error("#/value", f"Must be between {low} and {high} for this instrument.")
    return errors
