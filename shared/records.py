"""Versioned rows, one way for every service: create (Conflict if the id is taken), read (NotFound),
list a page by key (keyset pagination, never an offset), and update only from the version the
caller read (PreconditionFailed otherwise) — the `UPDATE … WHERE version = :expected` that makes
of two updates from one ETag exactly one win."""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
    where: sa.ColumnElement[bool] | None = None,
    exists: Callable[[], object] | None = None,
) -> dict[str, Any]:
    """Apply ``values`` only if the row is still at ``expected_version`` (and meets ``where``,
    e.g. the caller's scope); the version moves on. When nothing was updated, ``exists`` is
    called first — by default a read that is NotFound if the row is not there at all; a scoped
    read for a scoped update; ``lambda: None`` where a missing row is PreconditionFailed like a
    changed one (a PUT's ``If-Match`` never creates: RFC 9110) — then PreconditionFailed."""
    condition = sa.and_(table.c[key] == value, table.c.version == expected_version)
    if where is not None:
        condition = sa.and_(condition, where)
    row = (
        session.execute(
            sa.update(table)
            .where(condition)
            .values(**values, version=table.c.version + 1, updated_at=sa.func.now())
            .returning(table)
        )
        .mappings()
        .first()
    )
    if row is None:
        if exists is None:
            get(session, table, key, value, what)
        else:
            exists()
        raise stale()
    return dict(row)


def put(
    session: Session,
    table: sa.Table,
    key: str,
    value: str,
    expected_version: int,
    values: Mapping[str, Any],
    what: str,
) -> dict[str, Any]:
    """A row that exists once it is first written, at a version the caller names: 0 creates it
    (PreconditionFailed if someone created it first), any other version updates it from that
    version (PreconditionFailed if it changed or is not there)."""
    if expected_version == 0:
        row = (
            session.execute(
                insert(table)
                .values(**{key: value}, **values)
                .on_conflict_do_nothing()
                .returning(table)
            )
            .mappings()
            .first()
        )
        if row is None:
            raise stale()
        return dict(row)
    return update(session, table, key, value, expected_version, values, what, exists=lambda: None)


def page_rows(
    session: Session, stmt: sa.Select, key: sa.ColumnElement, cursor: str | None, limit: int
) -> list[dict[str, Any]]:
    """Up to ``limit + 1`` rows after the cursor, in key order (the extra row says there is more)."""
    after = decode_cursor(cursor)
    if after is not None:
        stmt = stmt.where(key > after)
    return [dict(r) for r in session.execute(stmt.order_by(key).limit(limit + 1)).mappings()]
