"""Regions, organisations and the outcome instrument catalogue: what callers do with them.

Every role reads them; admins register and change organisations and instruments. A new or
changed instrument is published (``instrument.published``) so that intake accepts outcomes for
it. Nothing here is about a young person, so nothing is audited.
"""

from __future__ import annotations

from typing import Any

from services.pilots.store import reference as store
from services.pilots.store.pilots import instrument_event
from services.pilots.usecases import versioned
from services.pilots.usecases.access import ensure_admin
from services.pilots.usecases.versioned import MergedCheck
from shared.db import UnitOfWork
from shared.principal import Principal

Row = dict[str, Any]


def list_regions(uow: UnitOfWork, principal: Principal) -> list[Row]:
    """The 21 wellbeing services counties, the City of Helsinki and Åland, by code."""
    return store.regions(uow.session)


# --- organisations ----------------------------------------------------------------------------


def list_organisations(uow: UnitOfWork, principal: Principal, query: dict[str, Any]) -> list[Row]:
    """A page of organisations by id (``limit + 1`` rows: the extra one says there is more)."""
    return store.find_organisations(
        uow.session,
        type=query.get("type"),
        region_code=query.get("region"),
        cursor=query.get("cursor"),
        limit=query["limit"],
    )


def get_organisation(uow: UnitOfWork, principal: Principal, organisation_id: str) -> Row:
    return versioned.read(uow, store.ORGANISATIONS, organisation_id)


def create_organisation(uow: UnitOfWork, principal: Principal, data: Row) -> Row:
    """Register an organisation (admins)."""
    ensure_admin(principal)
    return versioned.create(uow, store.ORGANISATIONS, data)


def update_organisation(
    uow: UnitOfWork,
    principal: Principal,
    organisation_id: str,
    expected_version: int,
    data: Row,
    check: MergedCheck | None = None,
) -> Row:
    """Change an organisation (admins) from the version the caller read."""
    ensure_admin(principal)
    return versioned.update(
        uow, store.ORGANISATIONS, organisation_id, expected_version, data, check=check
    )


# --- instruments ------------------------------------------------------------------------------


def list_instruments(uow: UnitOfWork, principal: Principal, query: dict[str, Any]) -> list[Row]:
    """A page of the outcome instruments by code (``limit + 1`` rows)."""
    return store.find_instruments(uow.session, query.get("cursor"), query["limit"])


def get_instrument(uow: UnitOfWork, principal: Principal, code: str) -> Row:
    return versioned.read(uow, store.INSTRUMENTS, code)


def create_instrument(uow: UnitOfWork, principal: Principal, data: Row) -> Row:
    """Add an instrument to the catalogue (admins); published."""
    ensure_admin(principal)
    return versioned.create(uow, store.INSTRUMENTS, data, event=instrument_event)


def update_instrument(
    uow: UnitOfWork,
    principal: Principal,
    code: str,
    expected_version: int,
    data: Row,
    check: MergedCheck | None = None,
) -> Row:
    """Change an instrument (admins) from the version the caller read; published."""
    ensure_admin(principal)
    return versioned.update(
        uow, store.INSTRUMENTS, code, expected_version, data, check=check, event=instrument_event
    )
