"""What the services refuse, said once and without HTTP: the domain errors a store or a rule
raises (not found, conflict, forbidden, precondition failed or required, unprocessable), and the
flattening of marshmallow's messages into RFC 9457 ``errors`` entries.

Nothing here imports Flask or werkzeug, so the ``domain`` and ``store`` layers can raise these
from anywhere — a consumer's handler included. ``shared.http`` turns each into problem+json with
its status, exactly as the HTTP exception of that status would be answered.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from marshmallow import Schema


class DomainError(Exception):
    """A refusal with its HTTP status (for ``shared.http``) and a detail safe to show: never a
    value the client sent. ``errors``: RFC 9457 entries naming each bad field (422)."""

    status: ClassVar[int] = 400

    def __init__(self, detail: str | None = None, *, errors: list[dict[str, str]] | None = None):
        super().__init__(detail or type(self).__name__)
        self.detail = detail
        self.errors = errors


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


class PreconditionFailed(DomainError):
    status = 412


class PreconditionRequired(DomainError):
    status = 428


class Unprocessable(DomainError):
    status = 422


def field_errors(messages: Any, submitted: Mapping[str, Any] | None = None) -> list[dict[str, str]]:
    """Flatten marshmallow/webargs messages into RFC 9457 ``errors`` entries.

    ``{"json": {"items": {3: {"birth_date": ["Not a valid date."]}}}}`` becomes
    ``[{"pointer": "#/items/3/birth_date", "detail": "Not a valid date."}]``; query, header and
    path parameters are named with ``parameter``/``header`` instead of a pointer.

    A name the client chose is never repeated: a key that is not a field name some schema of the
    API declares (an identity code sent as a JSON key, say) is named by its position in the object
    instead, read from ``submitted`` (what was sent, by location) when given.
    """
    if not isinstance(messages, Mapping):
        return [{"pointer": "#", "detail": str(m)} for m in _leaves(messages)]
    out: list[dict[str, str]] = []
    for location, tree in messages.items():
        sent = (submitted or {}).get(location)
        for path, detail in _walk(tree, ()):
            if location != "headers":  # unknown headers are ignored, never reported
                path, detail = _without_client_names(path, detail, sent)
            if location in {"json", "form", "files"}:
                pointer = "#/" + "/".join(_escape(p) for p in path) if path else "#"
                out.append({"pointer": pointer, "detail": detail})
            elif location == "headers":
                out.append({"header": ".".join(path), "detail": detail})
            elif path:
                out.append({"parameter": ".".join(path), "detail": detail})
            else:
                out.append({"parameter": "", "detail": detail})
    return out


def _without_client_names(
    path: tuple[str, ...], detail: str, sent: Any
) -> tuple[tuple[str, ...], str]:
    """The path up to the first part the API did not name itself (a list index or a declared
    field name), and the detail saying where that part was."""
    here = sent
    for depth, part in enumerate(path):
        if part.isdecimal() or part in declared_field_names():
            here = _step(here, part)
            continue
        ordinal = _position(here, part)
        where = f"key number {ordinal} of this object" if ordinal else "a key of this object"
        if detail == _UNKNOWN_FIELD:
            detail = f"An unknown field ({where}); its name is not repeated here."
        else:
            detail = f"{detail} ({where}; its name is not repeated here)"
        return path[:depth], detail
    return path, detail


_UNKNOWN_FIELD = "Unknown field."


def _step(document: Any, part: str) -> Any:
    if isinstance(document, Mapping):
        return document.get(part)
    if isinstance(document, list) and part.isdecimal() and int(part) < len(document):
        return document[int(part)]
    return None


def _position(document: Any, key: str) -> int | None:
    """The 1-based position of ``key`` among the object's keys (query strings included)."""
    if not isinstance(document, Mapping):
        return None
    for ordinal, candidate in enumerate(document.keys(), start=1):
        if candidate == key:
            return ordinal
    return None


@functools.cache
def _declared_names(schema_count: int) -> frozenset[str]:
    names: set[str] = set()
    for schema in _schema_classes():
        for name, declared in schema._declared_fields.items():
            names.add(declared.data_key or name)
    return frozenset(names)


def _schema_classes() -> list[type[Schema]]:
    found: list[type[Schema]] = []
    pending = list(Schema.__subclasses__())
    while pending:
        schema = pending.pop()
        found.append(schema)
        pending.extend(schema.__subclasses__())
    return found


def declared_field_names() -> frozenset[str]:
    """Every field name a marshmallow schema of the process declares: the names that the API
    itself gives, safe to repeat in an error."""
    return _declared_names(len(_schema_classes()))


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _walk(tree: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str]]:
    if isinstance(tree, Mapping):
        for key, sub in tree.items():
            # marshmallow reports errors of the body itself (not of a field) under "_schema".
            yield from _walk(sub, path if key == "_schema" else (*path, str(key)))
    else:
        for message in _leaves(tree):
            yield path, message


def _leaves(value: Any) -> Iterator[str]:
    if isinstance(value, list | tuple):
        for item in value:
            yield from _leaves(item)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _leaves(item)
    else:
        yield str(value)
