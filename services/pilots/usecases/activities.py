"""Activities of a pilot: what callers do with them. Every role reads them; admins and the
pilot's leads add and change them. Each new or changed activity is published
(``activity.published``) so that intake checks participation against it."""

from __future__ import annotations

import uuid
from typing import Any

from services.pilots.store.activities import ACTIVITIES, ActivityFilter, find_activities
from services.pilots.store.pilots import PILOTS, activity_event
from services.pilots.usecases import versioned
from services.pilots.usecases.access import ensure_manages
from services.pilots.usecases.versioned import MergedCheck
from shared.db import UnitOfWork
from shared.principal import Principal

Row = dict[str, Any]


def list_activities(uow: UnitOfWork, principal: Principal, query: dict[str, Any]) -> list[Row]:
    """A page of activities by id (``limit + 1`` rows: the extra one says there is more); filter
    by pilot, type, worker, start time or whether active."""
    where = ActivityFilter(
        pilot=query.get("pilot"),
        activity_type=query.get("activity_type"),
        worker=query.get("worker"),
        starts_from=query.get("starts_from"),
        starts_before=query.get("starts_before"),
        active=query.get("active"),
    )
    return find_activities(uow.session, where, query.get("cursor"), query["limit"])


def get_activity(uow: UnitOfWork, principal: Principal, activity_id: str) -> Row:
    return versioned.read(uow, ACTIVITIES, activity_id)


def create_activity(uow: UnitOfWork, principal: Principal, data: Row) -> Row:
    """Add an activity to a pilot (admins, and the pilot's leads); an id is made unless given."""
    ensure_manages(principal, data["pilot_id"])
    PILOTS.get(uow.session, data["pilot_id"])  # NotFound for a pilot that does not exist
    values = {"id": data.get("id") or str(uuid.uuid4())} | data
    return versioned.create(uow, ACTIVITIES, values, event=activity_event)


def update_activity(
    uow: UnitOfWork,
    principal: Principal,
    activity_id: str,
    expected_version: int,
    data: Row,
    check: MergedCheck | None = None,
) -> Row:
    """Change an activity (admins, and its pilot's leads) from the version the caller read."""
    return versioned.update(
        uow,
        ACTIVITIES,
        activity_id,
        expected_version,
        data,
        check=check,
        authorize=lambda current: ensure_manages(principal, current["pilot_id"]),
        event=activity_event,
    )
