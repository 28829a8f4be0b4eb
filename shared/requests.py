"""What no service accepts in a request, checked on the HTTP side (the rules are in
``shared.validation``, which the domain layers use without Flask): JSON nested too deeply, and
control characters in path and query parameters."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from flask import request
from werkzeug.exceptions import BadRequest

from shared.http import unprocessable
from shared.validation import ID_MESSAGE, MAX_JSON_DEPTH, refused_in_id


def _too_deep(value: Any) -> bool:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, Mapping) else node
        if depth > MAX_JSON_DEPTH:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def parse_json(data: bytes | str) -> Any:
    """A request body as JSON. Malformed JSON raises ``ValueError`` (``json.JSONDecodeError``)
    as ``json.loads`` does; a body nested too deeply is a 400."""
    try:
        body = json.loads(data)
    except json.JSONDecodeError:
        raise
    except ValueError:  # an integer of more digits than Python converts
        raise json.JSONDecodeError("A number is too long.", "<body>", 0) from None
    except RecursionError:
        body = None
        too_deep = True
    else:
        too_deep = isinstance(body, dict | list) and _too_deep(body)
    if too_deep:
        raise BadRequest(
            f"The request body is nested too deeply: at most {MAX_JSON_DEPTH} levels of arrays "
            "and objects."
        )
    return body


def _refused_parameters() -> Iterator[dict[str, str]]:
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str) and refused_in_id(value):
            yield {"parameter": name, "detail": ID_MESSAGE}
    for name in request.args:
        if refused_in_id(name):
            # Not a name of this API: not repeated either.
            yield {"parameter": "", "detail": "A parameter name contains a control character."}
        elif any(refused_in_id(value) for value in request.args.getlist(name)):
            yield {"parameter": name, "detail": ID_MESSAGE}


def check_path_and_query() -> None:
    """422 naming every path or query parameter with a control character (``before_request``)."""
    errors = list(_refused_parameters())
    if errors:
        raise unprocessable(errors)
