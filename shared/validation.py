"""What no service accepts in what it is sent, decided once for all three.

- **Control characters.** PostgreSQL ``text`` cannot hold NUL, and no field of this API has a use
  for the other C0 controls. Free text (titles, reasons, descriptions) may contain TAB, LF and CR
  and nothing else below U+0020; ids and codes — every path and query parameter, and every
  identifier field — nothing below U+0020, nor DEL. A lone surrogate (``"\\ud800"`` in JSON) is
  not a character at all and cannot be stored as UTF-8: refused everywhere. Path and query values
  are checked before any view runs (``shared.requests.check_path_and_query``: 422 naming each
  parameter); every
  string field of a request schema built on ``StrictSchema`` refuses them (422 naming the field by
  JSON pointer, per item in intake's lists). Errors never repeat the value.
- **Full-match patterns.** ``validate.Regexp`` uses ``re.match``, where ``$`` also matches before a
  trailing newline: ``FullMatch`` matches the whole value.
- **JSON nesting.** A body nested deeper than ``MAX_JSON_DEPTH`` is refused with 400
  (``shared.requests.parse_json``), before the schemas or Python's recursion limit meet it.
- **Numbers** within what the columns hold: ``INT4`` / ``INT8`` for integers, and a finite, bounded
  range for decimals (``NUMBER_LIMIT``), so that what is stored reads back as a JSON number.
"""

from __future__ import annotations

import re
from typing import Any, cast

from marshmallow import RAISE, Schema, ValidationError, fields, validate

#: Refused in free text: C0 controls but TAB, LF and CR; lone surrogates.
_REFUSED_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
#: Refused in ids and codes: every C0 control, DEL; lone surrogates.
_REFUSED_IN_ID = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")

TEXT_MESSAGE = "Must not contain control characters (other than tab and line breaks)."
ID_MESSAGE = "Must not contain control characters."

#: The deepest nesting of arrays and objects a JSON body may have.
MAX_JSON_DEPTH = 32
#: PostgreSQL's ``integer`` and ``bigint``.
INT4_MAX = 2**31 - 1
INT8_MAX = 2**63 - 1
#: The magnitude a decimal value may have (an instrument's range, a measurement): far beyond any
#: scale in use, and read back from ``numeric`` as a finite double.
NUMBER_LIMIT = 1e12


def refused_in_text(value: str) -> bool:
    return _REFUSED_IN_TEXT.search(value) is not None


def refused_in_id(value: str) -> bool:
    return _REFUSED_IN_ID.search(value) is not None


def free_text(value: Any) -> None:
    """marshmallow validator of free text: no control character but TAB, LF and CR."""
    if isinstance(value, str) and refused_in_text(value):
        raise ValidationError(TEXT_MESSAGE)


def identifier(value: Any) -> None:
    """marshmallow validator of an id without a pattern of its own (a user's ``sub``): no control
    character at all."""
    if isinstance(value, str) and refused_in_id(value):
        raise ValidationError(ID_MESSAGE)


class FullMatch(validate.Regexp):
    """``validate.Regexp`` matching the whole value: ``^a$`` takes ``"a\\n"``, this does not."""

    def __call__(self, value: Any) -> Any:
        regex = cast("re.Pattern[str]", self.regex)  # built from a str pattern
        if not isinstance(value, str) or regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value

    def _format_error(self, value: Any) -> str:
        # Never the value: the message is fixed.
        return self.error.format(regex=self.regex.pattern)


def int_range(low: int = 0, high: int = INT4_MAX) -> validate.Range:
    """An integer range a column holds (``integer`` unless ``high`` says otherwise)."""
    return validate.Range(min=low, max=high)


def number_range(limit: float = NUMBER_LIMIT) -> validate.Range:
    return validate.Range(min=-limit, max=limit)


def _guard(field: fields.Field) -> None:
    if isinstance(field, fields.String) and free_text not in field.validators:
        field.validators.append(free_text)
    elif isinstance(field, fields.List):
        _guard(field.inner)
    elif isinstance(field, fields.Tuple):
        for inner in field.tuple_fields:
            _guard(inner)
    elif isinstance(field, fields.Dict):
        for maybe in (field.key_field, field.value_field):
            if maybe is not None:
                _guard(maybe)


class StrictSchema(Schema):
    """The base of every request schema: unknown fields are refused, and every string field —
    in lists too — refuses control characters (``free_text``; ids add their own pattern)."""

    class Meta:
        unknown = RAISE

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        _guard(field_obj)
