"""Versioned rows, one way for every service: create (Conflict if the id is taken), read (NotFound),
list a page by key (keyset pagination, never an offset), and update only from the version the
caller read (PreconditionFailed otherwise) — the `UPDATE … WHERE version = :expected` that makes
of two updates from one ETag exactly one win."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from shared.errors import Conflict, NotFound
from shared.paging import decode_cursor, stale


def get(session: Session, table: sa.Table, key: str, value: str, what: str) -> dict[str, Any]:
    row = session.execute(sa.select(table).where(table.c[key] == value)).mappings().first()
    if row is None:
        raise NotFound(f"No such {what}.")
    return dict(row)


def create(session: Session, table: sa.Table, values: Mapping[str, Any], what: str) -> dict:
    row = (
        session.execute(insert(table).values(**values).on_conflict_do_nothing().returning(table))
        .mappings()
        .first()
    )
    if row is None:
        raise Conflict(f"A {what} with this id exists already.")
    return dict(row)


def update(
    session: Session,
    table: sa.Table,
    key: str,
    value: str,
    expected_version: int,
    values: Mapping[str, Any],
    what: str,
    *,
    missing_is_stale: bool = False,
) -> dict[str, Any]:
    """Apply ``values`` only if the row is still at ``expected_version``; the version moves on.
    A row that is not there is NotFound — or, with ``missing_is_stale`` (a PUT's ``If-Match``,
    which never creates: RFC 9110), PreconditionFailed like a changed one."""
    row = (
        session.execute(
            sa.update(table)
            .where(table.c[key] == value, table.c.version == expected_version)
            .values(**values, version=table.c.version + 1, updated_at=sa.func.now())
            .returning(table)
        )
        .mappings()
        .first()
    )
    if row is None:
        if not missing_is_stale:
            get(session, table, key, value, what)  # NotFound if it does not exist at all
        raise stale()
    return dict(row)


def page_rows(
    session: Session, stmt: sa.Select, key: sa.ColumnElement, cursor: str | None, limit: int
) -> list[dict[str, Any]]:
    """Up to ``limit + 1`` rows after the cursor, in key order (the extra row says there is more)."""
    after = decode_cursor(cursor)
    if after is not None:
        stmt = stmt.where(key > after)
    return [dict(r) for r in session.execute(stmt.order_by(key).limit(limit + 1)).mappings()]
