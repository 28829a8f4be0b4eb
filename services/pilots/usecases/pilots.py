"""Pilots and their innovation lifecycle: what callers do with them.

Every role reads a pilot and its lifecycle; admins create pilots; admins and a pilot's leads
change it, move its innovation to the next phase of the lifecycle (``domain/lifecycle.py``) and
record its evidence. Every change publishes the pilot (``pilot.published``) so that the other
services keep their copies; a phase change also ``lifecycle.phase_changed``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.pilots.domain.lifecycle import allowed_next, can_move
from services.pilots.store import pilots as store
from services.pilots.store.pilots import PILOTS, PilotFilter
from services.pilots.usecases.access import ensure_admin, ensure_manages
from services.pilots.usecases.versioned import MergedCheck
from shared.db import UnitOfWork
from shared.errors import Conflict
from shared.principal import Principal

Row = dict[str, Any]


def list_pilots(uow: UnitOfWork, principal: Principal, query: dict[str, Any]) -> list[Row]:
    """A page of pilots by id with their partners, regions and members (``limit + 1`` rows: the
    extra one says there is more); filter by region, phase, organisation or whether active."""
    where = PilotFilter(
        region=query.get("region"),
        phase=query.get("phase"),
        organisation=query.get("organisation"),
        active=query.get("active"),
    )
    return store.find_pilots(uow.session, where, query.get("cursor"), query["limit"])


def get_pilot(uow: UnitOfWork, principal: Principal, pilot_id: str) -> Row:
    return store.get_pilot(uow.session, pilot_id)


def create_pilot(uow: UnitOfWork, principal: Principal, data: Row) -> Row:
    """Create a pilot (admins); it starts in the lifecycle phase ``idea``. Published."""
    ensure_admin(principal)
    return store.create_pilot(uow, data)


def update_pilot(
    uow: UnitOfWork,
    principal: Principal,
    pilot_id: str,
    expected_version: Callable[[], int],
    data: Row,
    check: MergedCheck | None = None,
) -> Row:
    """Change a pilot (admins, and the pilot's leads); lists (partners, regions, members) are
    replaced whole. ``expected_version`` gives the version the change is made from; it is asked
    for once the caller may change the pilot (a caller who may not is Forbidden whatever else
    they sent). Published."""
    ensure_manages(principal, pilot_id)
    expected = expected_version()
    current = store.get_pilot(uow.session, pilot_id)
    if check is not None:
        check(current, data)
    return store.update_pilot(uow, pilot_id, expected, data)


def lifecycle(uow: UnitOfWork, principal: Principal, pilot_id: str) -> Row:
    """The innovation's phase, the phases it may move to, its dated history and evidence."""
    found = PILOTS.get(uow.session, pilot_id)
    history, evidence = store.lifecycle(uow.session, pilot_id)
    return {
        "pilot_id": pilot_id,
        "phase": found["phase"],
        "allowed_next": list(allowed_next(found["phase"])),
        "history": history,
        "evidence": evidence,
    }


def change_phase(uow: UnitOfWork, principal: Principal, pilot_id: str, change: Row) -> Row:
    """Move the innovation to a phase the lifecycle allows next (Conflict otherwise), dated and
    with a reason. Publishes ``lifecycle.phase_changed`` and the pilot."""
    ensure_manages(principal, pilot_id)
    current = store.get_pilot(uow.session, pilot_id)
    if not can_move(current["phase"], change["to_phase"]):
        allowed = ", ".join(allowed_next(current["phase"])) or "none: the phase is final"
        raise Conflict(
            f"A pilot in phase {current['phase']} cannot move to {change['to_phase']} "
            f"(allowed: {allowed})."
        )
    return store.change_phase(uow, current, change, principal.subject)


def add_evidence(uow: UnitOfWork, principal: Principal, pilot_id: str, data: Row) -> Row:
    """Record what was learnt, an evaluation result, or where the model is described."""
    ensure_manages(principal, pilot_id)
    PILOTS.get(uow.session, pilot_id)  # NotFound for a pilot that does not exist
    return store.add_evidence(uow.session, pilot_id, data, principal.subject)
