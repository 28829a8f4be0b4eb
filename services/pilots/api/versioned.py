"""The HTTP side of every versioned resource: the answers of a read (200 with the ``ETag``) and
of a create (201 with the ``ETag`` and ``Location``), and the check a PATCH passes to its use case
— the stored row with the fields sent applied, validated against the whole schema again
(cross-field rules included), 422 naming every field. ``If-Match`` is ``shared.resources``'s
``if_match()``; reading, storing and publishing are the use cases' (``usecases/versioned.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from marshmallow import Schema

from shared.http import field_errors, unprocessable
from shared.resources import etag

Answer = tuple[dict[str, Any], int, dict[str, str]]


def found(row: dict[str, Any]) -> Answer:
    """200 with the row's ``ETag``."""
    return row, 200, etag(row["version"])


def created(row: dict[str, Any], location: str) -> Answer:
    """201 with the row's ``ETag`` and its ``Location`` (``location``: the new resource's path)."""
    return row, 201, etag(row["version"]) | {"Location": location}


def merged_check(schema: type[Schema]) -> Callable[[dict[str, Any], dict[str, Any]], None]:
    """The ``check(current, change)`` a PATCH's use case runs on the stored row: see
    :func:`check_merged`."""
    return lambda current, change: check_merged(schema, current, change)


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
