"""Keeping the case map: what intake does when the pilots service opens a case or anonymises one.
Called by the ``case-map`` consumer, in the consumer's unit of work (which records the event as
processed in the same transaction, so each event has its effect once)."""

from __future__ import annotations

from typing import Any

from services.intake.domain.cases import OpenedCase
from services.intake.store import case_map
from shared.db import UnitOfWork


def case_opened(uow: UnitOfWork, case: OpenedCase) -> None:
    """Add the case to the map (once; a case already anonymised stays so)."""
    case_map.store_opened(uow.session, case)


def case_anonymised(uow: UnitOfWork, case_id: str, pilot_id: str) -> None:
    """Erase the case's link to the young person: it is found by no look-up, and no item or
    register can name it any more."""
    case_map.store_anonymised(uow.session, case_id, pilot_id)


def case_ended(uow: UnitOfWork, case_id: str, at: Any) -> None:
    """A case closed or declined: still found by a look-up, named by no item any more."""
    case_map.store_ended(uow.session, case_id, at)
