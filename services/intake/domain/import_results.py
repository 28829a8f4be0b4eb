"""What became of each row of an import, as the uploader's system reads it back: the row, its
source pair, its outcome (accepted, duplicate, rejected), the event it became or duplicates, and
for a rejected row each field error — never a value of the row.

A rejected row's ``source_system`` and ``source_id`` are kept and told back only as their own
fields load them (normalised, within their rules): a value that breaks those rules is a bad value,
and a bad value is never repeated. Nor is one that is a valid personal identity code: a file whose
columns were mapped wrong may carry the code as its source id, and is then rejected (no code in
its own column) — its source ids are not kept, so the code is not stored in clear.
"""

from __future__ import annotations

import functools
from typing import Any, Final

from marshmallow import Schema, ValidationError

from services.intake.domain.hetu import InvalidIdentityCode, parse_identity_code
from services.intake.domain.schemas import ITEM_SCHEMAS

OUTCOMES: Final = ("accepted", "duplicate", "rejected")
#: The columns of the results CSV.
COLUMNS: Final = ("row", "source_system", "source_id", "outcome", "event_id", "field", "message")
SOURCE_FIELDS: Final = ("source_system", "source_id")

#: A row's source pair as far as it is known: each None if not sent or not within its rules.
Source = tuple[str | None, str | None]
NO_SOURCE: Final[Source] = (None, None)


@functools.cache
def _schema(kind: str) -> Schema:
    return ITEM_SCHEMAS[kind]()


def rejected_source(kind: str, raw: Any, loaded: dict[str, Any] | None) -> Source:
    """The source pair of a rejected row as it may be kept: as its schema loaded it (``loaded``;
    None if the schema refused the row: then each field as its own schema field loads it), each
    None where it was not sent, breaks its rules or is a personal identity code."""
    if loaded is not None:
        pair = [loaded.get(name) for name in SOURCE_FIELDS]
    elif isinstance(raw, dict):
        pair = [_load(kind, raw, name) for name in SOURCE_FIELDS]
    else:
        return NO_SOURCE
    kept = [None if value is None or _is_identity_code(value) else value for value in pair]
    return kept[0], kept[1]


def _load(kind: str, raw: dict[str, Any], name: str) -> str | None:
    value = raw.get(name)
    if value is None:
        return None
    try:
        loaded = _schema(kind).fields[name].deserialize(value, name, raw)
    except ValidationError:
        return None
    return loaded if isinstance(loaded, str) else None


def _is_identity_code(value: str) -> bool:
    try:
        parse_identity_code(value)
    except InvalidIdentityCode:
        return False
    return True
