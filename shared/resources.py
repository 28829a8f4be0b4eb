"""What every collection and every updatable resource of the API shares: cursor pagination, and
optimistic concurrency with ``ETag`` / ``If-Match``.

- **Cursor pagination.** A list is ordered by a unique key; a page is ``limit`` rows after the
  cursor, and ``next_cursor`` (also in a ``Link: <…>; rel="next"`` header) continues after its last
  row. A cursor is opaque to clients (base64url of the key), stable while rows are added, and
  never an offset: a page costs the same at row 10 or row 10 million.
- **ETag / If-Match.** An updatable row has a ``version``; its ``ETag`` is ``"<version>"``. An
  update must send ``If-Match`` (428 without it), and it is applied only if the row is still at
  that version — in the same ``UPDATE … WHERE version = :expected`` — so of two updates made from
  the same ETag exactly one wins and the other gets 412.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from flask import request
from marshmallow import Schema, fields, validate
from werkzeug.exceptions import PreconditionFailed, PreconditionRequired

from shared.paging import (
    BIGINT_MAX,
    bad_cursor,
    bigint,
    decode_cursor,
    encode_cursor,
    stale,
)
from shared.validation import StrictSchema

__all__ = [
    "BIGINT_MAX",
    "PageQuery",
    "bad_cursor",
    "bigint",
    "decode_cursor",
    "encode_cursor",
    "etag",
    "if_match",
    "page",
    "page_schema",
    "stale",
]

MAX_PAGE = 200


class PageQuery(StrictSchema):
    """``limit`` and ``cursor``; a list's query schema adds its filters to these."""

    limit = fields.Integer(
        load_default=50,
        validate=validate.Range(min=1, max=MAX_PAGE),
        metadata={"description": f"Rows per page (1–{MAX_PAGE})."},
    )
    cursor = fields.String(
        load_default=None,
        validate=validate.Length(max=400),
        metadata={"description": "`next_cursor` of the previous page."},
    )


def page_schema(name: str, item: type[Schema]) -> type[Schema]:
    """The response schema of a page of ``item``."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item), required=True),
            "next_cursor": fields.String(
                allow_none=True, metadata={"description": "Absent on the last page."}
            ),
        },
        name=name,
    )


def page(rows: Sequence[Any], limit: int, key: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The body and headers of one page, from up to ``limit + 1`` rows ordered by ``key``."""
    items = list(rows[:limit])
    body: dict[str, Any] = {"items": items}
    headers: dict[str, str] = {}
    if len(rows) > limit:
        cursor = encode_cursor(str(_get(items[-1], key)))
        body["next_cursor"] = cursor
        query = {k: v for k, v in request.args.items() if k != "cursor"} | {"cursor": cursor}
        headers["Link"] = f'<{request.path}?{urlencode(query)}>; rel="next"'
    return body, headers


def _get(row: Any, key: str) -> Any:
    return row[key] if isinstance(row, dict) else getattr(row, key)


def etag(version: int) -> dict[str, str]:
    """The header that names a resource's current version."""
    return {"ETag": f'"{version}"'}


def if_match() -> int:
    """The version an update is made from (``If-Match``); 428 without one, 412 if unreadable."""
    header = request.headers.get("If-Match")
    if header is None:
        raise PreconditionRequired(
            "Send If-Match with the ETag you read, so that you do not overwrite someone's change."
        )
    value = header.strip().removeprefix("W/").strip('"')
    version = bigint(value)
    if version is None:
        raise PreconditionFailed("If-Match does not name a version of this resource.")
    return version
