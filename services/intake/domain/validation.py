"""Validating items by their marshmallow schemas — the one set of rules for the API and for files.

``validate_items`` is a plain function of picklable values, so that the import worker can run it in
other processes: marshmallow is pure Python, and a file's rows are validated on every core while
the worker's own process writes the previous batch to the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from marshmallow import Schema, ValidationError

from services.intake.domain.schemas import ITEM_SCHEMAS
from shared.http import field_errors

#: An item loaded by its schema, or ``None`` and every field error (JSON pointers).
Validated = tuple[dict[str, Any] | None, list[dict[str, str]]]

_schemas: dict[str, Schema] = {}


def validate_item(kind: str, raw: Any) -> Validated:
    if not isinstance(raw, dict):
        return None, [{"pointer": "#", "detail": "Each item must be a JSON object."}]
    schema = _schemas.get(kind)
    if schema is None:
        schema = _schemas[kind] = ITEM_SCHEMAS[kind]()
    try:
        return schema.load(raw), []
    except ValidationError as exc:
        return None, field_errors({"json": exc.messages}, {"json": raw})


def validate_items(kind: str, raw_items: Sequence[Any]) -> list[Validated]:
    return [validate_item(kind, raw) for raw in raw_items]
