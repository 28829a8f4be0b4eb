"""Activities of the pilots: the query behind their list, and their versioned rows
(``store/versioned.py``). The event that publishes one is ``store/pilots.py``'s
``activity_event``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.pilots.store.tables import activity
from services.pilots.store.versioned import Versioned
from shared import records

ACTIVITIES = Versioned(activity, "id", "activity")


@dataclass(frozen=True)
class ActivityFilter:
    """Which activities to list (every field optional)."""

    pilot: str | None = None
    activity_type: str | None = None
    worker: str | None = None  # among the activity's workers
    starts_from: datetime | None = None
    starts_before: datetime | None = None
    active: bool | None = None


def find_activities(
    session: Session, where: ActivityFilter, cursor: str | None, limit: int
) -> list[dict[str, Any]]:
    """Up to ``limit + 1`` activities after the cursor, by id."""
    stmt = sa.select(activity)
    if where.pilot is not None:
        stmt = stmt.where(activity.c.pilot_id == where.pilot)
    if where.activity_type is not None:
        stmt = stmt.where(activity.c.activity_type == where.activity_type)
    if where.worker is not None:
        stmt = stmt.where(sa.literal(where.worker) == sa.any_(activity.c.workers))
    if where.starts_from is not None:
        stmt = stmt.where(activity.c.starts_at >= where.starts_from)
    if where.starts_before is not None:
        stmt = stmt.where(activity.c.starts_at < where.starts_before)
    if where.active is not None:
        stmt = stmt.where(activity.c.active == where.active)
    return records.page_rows(session, stmt, activity.c.id, cursor, limit)
