"""The read, create and update that every versioned resource shares.

A create answers 201 with the ``ETag`` and ``Location``; a read answers with the ``ETag``; a PATCH
needs ``If-Match``, applies the fields sent over the stored ones, validates the result against the
whole schema again (cross-field rules included) and stores it only if the row is still at the
version the caller read. Each may publish the resource's event in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from marshmallow import Schema

from shared import records
from shared.http import field_errors, unprocessable
from shared.messaging.envelope import Envelope
from shared.resources import etag, if_match
from shared.service import service_context

Answer = tuple[dict[str, Any], int, dict[str, str]]


def read(table: sa.Table, key: str, value: str, what: str) -> Answer:
    with service_context().unit_of_work() as uow:
        row = records.get(uow.session, table, key, value, what)
    return row, 200, etag(row["version"])


def create(
    table: sa.Table,
    values: dict[str, Any],
    what: str,
    location: str,
    event: Callable[[dict[str, Any]], Envelope] | None = None,
    check: Callable[[Any], object] | None = None,
) -> Answer:
    with service_context().unit_of_work() as uow:
        if check is not None:
            check(uow.session)
        row = records.create(uow.session, table, values, what)
        if event is not None:
            uow.publish(event(row))
        uow.commit()
    return row, 201, etag(row["version"]) | {"Location": f"{location}/{row[key_of(table)]}"}


def patch(
    table: sa.Table,
    key: str,
    value: str,
    what: str,
    schema: type[Schema],
    data: dict[str, Any],
    event: Callable[[dict[str, Any]], Envelope] | None = None,
    authorize: Callable[[dict[str, Any]], None] | None = None,
) -> Answer:
    expected = if_match()
    with service_context().unit_of_work() as uow:
        current = records.get(uow.session, table, key, value, what)
        if authorize is not None:
            authorize(current)
        check_merged(schema, current, data)
        row = records.update(uow.session, table, key, value, expected, data, what)
        if event is not None:
            uow.publish(event(row))
        uow.commit()
    return row, 200, etag(row["version"])


def key_of(table: sa.Table) -> str:
    [column] = table.primary_key.columns
    return column.name


def check_merged(schema: type[Schema], current: dict[str, Any], patch: dict[str, Any]) -> None:
    """422 naming every field if ``current`` with ``patch`` applied breaks ``schema``."""
    names = schema().fields
    merged = {k: _raw(v) for k, v in current.items() if k in names} | {
        k: _raw(v) for k, v in patch.items()
    }
    errors = schema().validate(merged)
    if errors:
        raise unprocessable(field_errors({"json": errors}))


def _raw(value: Any) -> Any:
    """A stored value as a client would send it."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | tuple):
        return [_raw(v) for v in value]
    return value
