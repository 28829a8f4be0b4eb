"""The in-app inbox: a user's notifications, unread first and newest first, and marking them read.

The order is (unread before read, newest first), so a page's cursor names both: ``u:<id>`` or
``r:<id>`` — the next page continues after that item in that order. An item marked read while
someone pages moves to the read part; it is not shown twice on a later page of unread items.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.notifications.store.tables import notification
from shared.errors import NotFound
from shared.paging import bad_cursor, bigint, decode_cursor


def page(
    session: Session, subject: str, cursor: str | None, limit: int, unread_only: bool
) -> list[dict[str, Any]]:
    """Up to ``limit + 1`` of the user's items after the cursor; each has its ``position``."""
    stmt = sa.select(notification).where(notification.c.recipient == subject)
    unread = notification.c.read_at.is_(None)
    if unread_only:
        stmt = stmt.where(unread)
    after = decode_cursor(cursor)
    if after is not None:
        part, _, number = after.partition(":")
        last = bigint(number)
        if part not in ("u", "r") or last is None:
            raise bad_cursor()
        if part == "u":
            stmt = stmt.where(sa.or_(sa.and_(unread, notification.c.id < last), ~unread))
        else:
            stmt = stmt.where(~unread, notification.c.id < last)
    rows = session.execute(
        stmt.order_by(notification.c.read_at.is_not(None), notification.c.id.desc()).limit(
            limit + 1
        )
    ).mappings()
    return [dict(r) | {"position": f"{'r' if r['read_at'] else 'u'}:{r['id']}"} for r in rows]


def get(session: Session, subject: str, item_id: int) -> dict[str, Any]:
    row = (
        session.execute(
            sa.select(notification).where(
                notification.c.id == item_id, notification.c.recipient == subject
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("No such notification in your inbox.")
    return dict(row)


def mark_read(session: Session, subject: str, item_id: int) -> dict[str, Any]:
    """Mark one item read (again: no change); 404 for another user's item."""
    row = (
        session.execute(
            sa.update(notification)
            .where(notification.c.id == item_id, notification.c.recipient == subject)
            .values(read_at=sa.func.coalesce(notification.c.read_at, sa.func.now()))
            .returning(notification)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("No such notification in your inbox.")
    return dict(row)


def mark_all_read(session: Session, subject: str, up_to: int | None) -> int:
    """Mark every unread item read (up to ``up_to``, the newest the user has seen); how many."""
    stmt = sa.update(notification).where(
        notification.c.recipient == subject, notification.c.read_at.is_(None)
    )
    if up_to is not None:
        stmt = stmt.where(notification.c.id <= up_to)
    result = session.execute(stmt.values(read_at=sa.func.now()))
    return int(result.rowcount)  # type: ignore[attr-defined]  # an UPDATE's CursorResult


def unread_count(session: Session, subject: str) -> int:
    return int(
        session.execute(
            sa.select(sa.func.count()).where(
                notification.c.recipient == subject, notification.c.read_at.is_(None)
            )
        ).scalar_one()
    )
