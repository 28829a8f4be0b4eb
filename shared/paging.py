"""Keyset-pagination cursors and the versions of optimistic concurrency, without HTTP: what the
stores use to continue a list after a key and to refuse a stale update (``shared.resources`` adds
the HTTP side: pages with ``Link`` headers, ``ETag`` and ``If-Match``)."""

from __future__ import annotations

import base64
import binascii
import re

from shared.errors import PreconditionFailed, Unprocessable

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


def bad_cursor() -> Unprocessable:
    """The 422 naming ``cursor``, for a cursor this API did not give (or whose key is not one of
    the list's)."""
    return Unprocessable(errors=[{"parameter": "cursor", "detail": "Not a cursor of this list."}])


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode((_CURSOR_PREFIX + key).encode("utf-8")).decode().rstrip("=")


#: The largest id or version a PostgreSQL ``bigint`` holds: anything larger names nothing.
BIGINT_MAX = 2**63 - 1


def bigint(text: str) -> int | None:
    """``text`` as an id or a version: ASCII digits (``str.isdigit`` takes "²" too) of a number a
    ``bigint`` holds; None for anything else."""
    if not (text.isascii() and text.isdigit()) or len(text) > 19 or int(text) > BIGINT_MAX:
        return None
    return int(text)


def stale() -> PreconditionFailed:
    """The 412 of an update made from a version that is no longer the resource's."""
    return PreconditionFailed(
        "The resource has changed since you read it; read it again and reapply your change."
    )
