"""The pilots service's use cases check who may do what themselves, before they touch any data —
not only the API's ``require_roles``: a consumer, a worker or a new view calling them gets the
same refusals (``usecases/access.py`` and the aggregates' scope)."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

import pytest

from services.pilots.store.rollup_index import RollupIndex
from services.pilots.usecases import activities, aggregates, pilots, reference
from shared.db import UnitOfWork
from shared.errors import Forbidden, NotFound
from shared.principal import Principal

PILOT = "pirkanmaa-nuoret"


class Reached(Exception):
    """The call got past its checks to the data."""


class Data:
    """A unit of work, and a roll-up index, that raise :class:`Reached` when touched."""

    @property
    def session(self) -> Any:
        raise Reached

    def publish(self, event: Any) -> None:
        raise Reached

    def cells(self, *args: Any) -> Any:
        raise Reached


def who(role: str, *pilot_ids: str) -> Principal:
    return Principal(f"{role}-1", role, None, frozenset(pilot_ids))


ADMIN = who("admin")
OWN_LEAD = who("pilot_lead", PILOT)
OTHER_LEAD = who("pilot_lead", "another-pilot")
WORKER = who("pilot_worker", PILOT)
COORDINATOR = who("coordinator")
INTEGRATION = who("integration")

uow = cast(UnitOfWork, Data())
index = cast(RollupIndex, Data())


def version() -> int:
    """The If-Match of a change: asked for only once the caller may make it."""
    raise Reached


ADMIN_ONLY = [
    lambda p: reference.create_organisation(uow, p, {"id": "org-1"}),
    lambda p: reference.update_organisation(uow, p, "org-1", 1, {"name": "x"}),
    lambda p: reference.create_instrument(uow, p, {"code": "scale"}),
    lambda p: reference.update_instrument(uow, p, "scale", 1, {"name": "x"}),
    lambda p: pilots.create_pilot(uow, p, {"id": PILOT}),
]

PILOT_MANAGERS = [
    lambda p: pilots.update_pilot(uow, p, PILOT, version, {"theme": "x"}),
    lambda p: pilots.change_phase(
        uow, p, PILOT, {"to_phase": "piloting", "changed_on": date(2026, 2, 1), "reason": "x"}
    ),
    lambda p: pilots.add_evidence(uow, p, PILOT, {"kind": "learning"}),
    lambda p: activities.create_activity(uow, p, {"pilot_id": PILOT, "name": "Climbing"}),
]


@pytest.mark.parametrize("call", ADMIN_ONLY)
def test_only_an_admin_changes_organisations_instruments_and_creates_pilots(call: Any) -> None:
    for refused in (OWN_LEAD, WORKER, COORDINATOR, INTEGRATION):
        with pytest.raises(Forbidden):
            call(refused)
    with pytest.raises(Reached):
        call(ADMIN)


@pytest.mark.parametrize("call", PILOT_MANAGERS)
def test_a_pilot_is_changed_by_admins_and_its_own_leads_only(call: Any) -> None:
    for refused in (OTHER_LEAD, WORKER, COORDINATOR, INTEGRATION):
        with pytest.raises(Forbidden):
            call(refused)
    for allowed in (ADMIN, OWN_LEAD):
        with pytest.raises(Reached):
            call(allowed)


def test_a_pilot_lead_sees_the_figures_of_their_own_pilot_and_workers_none() -> None:
    query = {"period": "2026", "pilot": PILOT}
    name = "esf-participants-by-pilot-gender"
    with pytest.raises(NotFound):
        aggregates.table(ADMIN, index, 5, "no-such-table", query)
    for refused, asked in (
        (WORKER, query),
        (INTEGRATION, query),
        (OTHER_LEAD, query),
        (OWN_LEAD, {"period": "2026"}),
    ):
        with pytest.raises(Forbidden):
            aggregates.table(refused, index, 5, name, asked)
        with pytest.raises(Forbidden):
            aggregates.indicators(refused, index, 5, asked)
    for allowed in (ADMIN, COORDINATOR, OWN_LEAD):
        with pytest.raises(Reached):
            aggregates.table(allowed, index, 5, name, query)
        with pytest.raises(Reached):
            aggregates.indicators(allowed, index, 5, query)
