"""Regions, organisations and the outcome instrument catalogue: the queries behind their lists,
and their versioned rows (``store/versioned.py``)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.pilots.store.tables import instrument, organisation, region
from services.pilots.store.versioned import Versioned
from shared import records

ORGANISATIONS = Versioned(organisation, "id", "organisation")
INSTRUMENTS = Versioned(instrument, "code", "instrument")


def regions(session: Session) -> list[dict[str, Any]]:
    """Every region, by code."""
    return [dict(r) for r in session.execute(sa.select(region).order_by(region.c.code)).mappings()]


def find_organisations(
    session: Session,
    *,
    type: str | None,
    region_code: str | None,
    cursor: str | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Up to ``limit + 1`` organisations after the cursor, by id, of this type and region."""
    stmt = sa.select(organisation)
    if type is not None:
        stmt = stmt.where(organisation.c.type == type)
    if region_code is not None:
        stmt = stmt.where(organisation.c.region_code == region_code)
    return records.page_rows(session, stmt, organisation.c.id, cursor, limit)


def find_instruments(session: Session, cursor: str | None, limit: int) -> list[dict[str, Any]]:
    """Up to ``limit + 1`` instruments after the cursor, by code."""
    return records.page_rows(session, sa.select(instrument), instrument.c.code, cursor, limit)
