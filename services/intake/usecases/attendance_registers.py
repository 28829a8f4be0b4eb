"""Attendance registers: a worker records one session of an activity — its start, duration and
each case's attendance — in one request, and reads the session's register back.

Each case's first mark becomes one ``participation.recorded`` (through the same path as every
item: reference checks, the case's pseudonym, the outbox); the same register sent again records
nothing new; a changed mark records a new participation that ``corrects`` the earlier event,
which stays stored. Every entry must name an open case of the activity's pilot, or nothing of the
register is recorded (422 naming each bad entry). Recording and reading are audited."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from services.intake.domain.cases import NOT_AN_OPEN_CASE
from services.intake.domain.registers import REGISTER_SOURCE, Mark, change, default_kind
from services.intake.store import audit, case_map, registers
from services.intake.usecases.access import works_in
from services.intake.usecases.items import Intake
from shared.db import UnitOfWork
from shared.errors import Conflict, Forbidden, NotFound, Unprocessable
from shared.principal import Principal

#: Who records and reads registers: admins, and the leads and workers of the activity's pilot.
RECORDERS = ("admin", "pilot_lead", "pilot_worker")


def _activity(principal: Principal, intake: Intake, uow: UnitOfWork, activity_id: str) -> Any:
    """The activity (from intake's reference data) if the caller works in its pilot."""
    if principal.role not in RECORDERS:
        raise Forbidden(f"This needs one of the roles: {', '.join(RECORDERS)}.")
    _, activities, _ = intake.reference.snapshot(uow.session)
    activity = activities.get(activity_id)
    if activity is None:
        raise NotFound("No such activity.")
    if not works_in(principal, activity.pilot_id):
        raise Forbidden("Not an activity of your pilots.")
    return activity


def record_register(
    principal: Principal,
    uow: UnitOfWork,
    intake: Intake,
    activity_id: str,
    register: dict[str, Any],
    purpose: str,
) -> dict[str, Any]:
    """Record a loaded register (``RegisterSchema``); each entry's outcome, in order."""
    activity = _activity(principal, intake, uow, activity_id)
    session = uow.session
    pilots, _, _ = intake.reference.snapshot(session)
    pilot = pilots.get(activity.pilot_id)
    if pilot is None or not pilot.active:
        detail = "The activity's pilot is not active."
        raise Unprocessable(detail, errors=[{"parameter": "activity_id", "detail": detail}])
    starts_at: datetime = register["starts_at"]
    kind = register.get("kind") or default_kind(activity.activity_type)
    entries = register["attendance"]
    cases = case_map.resolve(session, {e["case_id"] for e in entries})
    errors = [
        {"pointer": f"#/attendance/{index}/case_id", "detail": NOT_AN_OPEN_CASE}
        for index, entry in enumerate(entries)
        if (found := cases.get(entry["case_id"])) is None
        or not found.takes_items_of(activity.pilot_id)
    ]
    if errors:
        raise Unprocessable(f"{len(errors)} field(s) are invalid; see errors.", errors=errors)

    registers.lock_session(
        session, activity_id, starts_at, activity.pilot_id, register["duration_minutes"], kind
    )
    stored = registers.marks(session, activity_id, starts_at, [e["case_id"] for e in entries])
    results: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    changing: list[tuple[int, str, Mark]] = []  # (entry index, case id, new mark)
    for index, entry in enumerate(entries):
        case_id = entry["case_id"]
        mark = Mark(entry["attendance"], register["duration_minutes"], kind)
        before = stored.get(case_id)
        status = change(mark, before)
        result: dict[str, Any] = {"index": index, "case_id": case_id, "status": status}
        results.append(result)
        if before is not None and status == "duplicate":
            result["event_id"] = before.event_id
            continue
        item = {
            "source_system": REGISTER_SOURCE,
            "source_id": f"register:{uuid.uuid4()}",
            "pilot_id": activity.pilot_id,
            "case_id": case_id,
            "activity_id": activity_id,
            "occurred_at": starts_at,
            "duration_minutes": mark.duration_minutes,
            "attendance": mark.attendance,
            "kind": mark.kind,
        }
        if before is not None:
            item["corrects"] = result["corrects"] = before.event_id
        items.append(item)
        changing.append((index, case_id, mark))

    saved: list[tuple[str, Mark, str]] = []
    if items:
        prepared = intake.prepare(
            session,
            "participation",
            [(item, []) for item in items],
            principal,
            look_up_stored=False,
        )
        prepared.named_cases.clear()  # the register is audited as one (attendance_recorded)
        written = intake.store(uow, prepared)
        for (index, case_id, mark), outcome in zip(changing, written, strict=True):
            if outcome.status != "accepted" or outcome.event_id is None:
                raise _refused(index, outcome.errors)
            results[index]["event_id"] = outcome.event_id
            saved.append((case_id, mark, outcome.event_id))
    registers.save_marks(session, activity_id, starts_at, saved)
    audit.record(session, principal, "attendance_recorded", sorted(cases), purpose)
    uow.commit()
    counts = {
        s: sum(r["status"] == s for r in results) for s in ("accepted", "corrected", "duplicate")
    }
    return {
        "activity_id": activity_id,
        "starts_at": starts_at,
        "accepted": counts["accepted"],
        "corrected": counts["corrected"],
        "duplicates": counts["duplicate"],
        "results": results,
    }


def _refused(index: int, errors: list[dict[str, str]]) -> Exception:
    """An entry refused by the item checks after the register's own (the pilot closed meanwhile,
    say): nothing of the register is recorded."""
    if not errors:
        return Conflict("The register met a concurrent change; send it again.")
    return Unprocessable(
        "The register cannot be recorded; see errors.",
        errors=[
            {"pointer": f"#/attendance/{index}/case_id", "detail": e["detail"]}
            if e.get("pointer") == "#/case_id"
            else {"parameter": "activity_id", "detail": e["detail"]}
            for e in errors
        ],
    )


def current_register(
    principal: Principal,
    uow: UnitOfWork,
    intake: Intake,
    activity_id: str,
    starts_at: datetime,
    purpose: str,
) -> dict[str, Any]:
    """The session's register as it stands: each case's current mark and the event recording
    it; ``NotFound`` if no register of the session was recorded. The read is audited."""
    _activity(principal, intake, uow, activity_id)
    found = registers.register(uow.session, activity_id, starts_at)
    if found is None:
        raise NotFound("No register of this session.")
    cases = [m["case_id"] for m in found["attendance"]]
    audit.record(uow.session, principal, "attendance_read", cases, purpose)
    uow.commit()
    return found
