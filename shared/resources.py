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

import base64
import binascii
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from flask import request
from marshmallow import Schema, fields, validate
from werkzeug.exceptions import PreconditionFailed, PreconditionRequired, UnprocessableEntity

from shared.http import unprocessable
from shared.validation import StrictSchema

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


_CURSOR = re.compile(r"[A-Za-z0-9_-]{1,400}")
_CURSOR_PREFIX = "after:"


def decode_cursor(cursor: str | None) -> str | None:
    """The key a cursor continues after; 422 naming ``cursor`` for anything this API did not give."""
    if cursor is None:
        return None
    try:
        if not _CURSOR.fullmatch(cursor):
            raise ValueError
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8")
        if not text.startswith(_CURSOR_PREFIX):
            raise ValueError
        return text.removeprefix(_CURSOR_PREFIX)
    except (ValueError, binascii.Error):
        raise bad_cursor() from None


def bad_cursor() -> UnprocessableEntity:
    """The 422 naming ``cursor``, for a cursor this API did not give (or whose key is not one of
    the list's)."""
    return unprocessable([{"parameter": "cursor", "detail": "Not a cursor of this list."}])


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode((_CURSOR_PREFIX + key).encode("utf-8")).decode().rstrip("=")


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


#: The largest id or version a PostgreSQL ``bigint`` holds: anything larger names nothing.
BIGINT_MAX = 2**63 - 1


def bigint(text: str) -> int | None:
    """``text`` as an id or a version: ASCII digits (``str.isdigit`` takes "²" too) of a number a
    ``bigint`` holds; None for anything else."""
    if not (text.isascii() and text.isdigit()) or len(text) > 19 or int(text) > BIGINT_MAX:
        return None
    return int(text)


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


def stale() -> PreconditionFailed:
    return PreconditionFailed(
        "The resource has changed since you read it; read it again and reapply your change."
    )
