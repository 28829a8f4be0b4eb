"""RFC 9457 ``application/problem+json`` for every error, the request id, and request hygiene.

Every error a service returns — routing (404, 405), protocol (400, 413, 415), auth (401, 403),
validation (422, naming every bad field by JSON pointer), concurrency (409, 412, 428), rate
limiting (429) and unexpected failures (500, with nothing internal in the body) — has one shape:
``{"type", "title", "status", "detail", "instance", "request_id"}`` plus ``errors`` where fields
are at fault. An error never echoes the submitted value, so a personal identity code sent in the
wrong field is not reflected back or logged.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import psycopg
import sqlalchemy.exc
from flask import Flask, Response, g, json, request
from werkzeug.exceptions import (
    HTTPException,
    InternalServerError,
    UnprocessableEntity,
    UnsupportedMediaType,
    default_exceptions,
)

from shared.errors import DomainError, declared_field_names, field_errors

__all__ = ["declared_field_names", "field_errors"]  # here too, where the API layer finds them
from shared.observability import new_request_id, reset_request_id, set_request_id

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
REQUEST_ID_HEADER = "X-Request-Id"
PROBLEM_TYPE_BASE = "https://turvaverkko.fi/problems/"
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{8,128}")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})

#: A short, stable name per status: the last part of the problem ``type`` URI.
_PROBLEM_NAMES: dict[int, str] = {
    400: "malformed-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    412: "precondition-failed",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "validation-failed",
    428: "precondition-required",
    429: "too-many-requests",
    500: "internal-error",
    503: "unavailable",
}

F = TypeVar("F", bound=Callable[..., Any])


def problem(
    status: int,
    detail: str | None = None,
    *,
    title: str | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> Response:
    """Build a problem+json response."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + _PROBLEM_NAMES.get(status, str(status)),
        "title": title or HTTPStatus(status).phrase,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    try:
        body["instance"] = request.path
        body["request_id"] = g.get("request_id")
    except RuntimeError:  # outside a request
        pass
    if errors:
        body["errors"] = errors
    body.update(extensions)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def unprocessable(errors: list[dict[str, str]]) -> UnprocessableEntity:
    """A 422 to raise from anywhere: answered as problem+json naming every bad field."""
    error = UnprocessableEntity()
    error.data = {"errors": errors}  # type: ignore[attr-defined]  # read by the error handler
    return error


def handle_domain_error(error: DomainError) -> Response:
    """A domain error answered exactly as the HTTP exception of its status would be."""
    http_error = default_exceptions[error.status](error.detail)
    if error.errors is not None:
        http_error.data = {"errors": error.errors}  # type: ignore[attr-defined]
    return handle_http_exception(http_error)


def handle_http_exception(error: HTTPException) -> Response:
    """Turn any werkzeug/flask-smorest HTTP error into problem+json."""
    status = error.code or 500
    if status >= 500:
        return handle_unexpected(error)
    data = getattr(error, "data", None) or {}
    headers: dict[str, str] = dict(data.get("headers") or {})
    # Keep protocol headers the exception carries (Allow on 405, WWW-Authenticate on 401,
    # Retry-After on 429) but not its HTML content type.
    for name, value in error.get_headers():
        if name.lower() not in {"content-type", "content-length"}:
            headers.setdefault(name, value)
    errors = (
        field_errors(data["messages"], _submitted()) if "messages" in data else data.get("errors")
    )
    detail = data.get("message") or error.description
    if status == 400 and "messages" in data:
        detail = "The request body is not valid JSON."
    elif status == 422:
        detail = f"{len(errors or [])} field(s) are invalid; see errors."
    return problem(status, detail, errors=errors, headers=headers)


def _submitted() -> dict[str, Any]:
    """What the request sent, by location, to place an error on a key without naming it."""
    try:
        body = request.get_json(silent=True)
    except Exception:  # e.g. nested too deeply to parse again; positions are then unknown
        body = None
    return {"json": body, "query": request.args, "querystring": request.args}


#: Seconds a client is asked to wait when the database does not answer.
RETRY_AFTER_SECONDS = 5


def database_unavailable(error: BaseException) -> bool:
    """Whether the error, or one it came from, is the database going away or not answering (a
    lost or refused connection, a server shutting down, a pool with no connection to give): a
    passing state, unlike an error of the request itself."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, sqlalchemy.exc.TimeoutError | psycopg.OperationalError):
            return True
        if isinstance(current, sqlalchemy.exc.DBAPIError) and (
            current.connection_invalidated or isinstance(current, sqlalchemy.exc.OperationalError)
        ):
            return True
        current = current.__cause__ or current.__context__
    return False


def handle_unexpected(error: BaseException) -> Response:
    """500 with nothing internal in the body; the traceback goes to the log with the request id.
    The database not answering is 503 with ``Retry-After``: the client may simply try again."""
    original = getattr(error, "original_exception", None) or error
    if database_unavailable(original):
        log.warning("the database is unavailable: %s", original)
        return problem(
            503,
            "The database is not answering at the moment. Try again shortly: an item sent "
            "again is recognised as a duplicate.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    log.error("unhandled error", exc_info=(type(original), original, original.__traceback__))
    return problem(500, "An unexpected error occurred. Quote the request id when reporting it.")


def accepts(*media_types: str) -> Callable[[F], F]:
    """Declare the body media types a view accepts (default: ``application/json``)."""

    def decorate(view: F) -> F:
        view.accepted_media_types = frozenset(media_types)  # type: ignore[attr-defined]
        return view

    return decorate


def check_content_type(app: Flask) -> None:
    """415 unless the body's media type is one the view accepts (call from ``before_request``)."""
    if request.method not in _BODY_METHODS or request.url_rule is None:
        return
    has_body = (request.content_length or 0) > 0 or "chunked" in request.headers.get(
        "Transfer-Encoding", ""
    ).lower()
    view = app.view_functions.get(request.endpoint or "")
    allowed = getattr(view, "accepted_media_types", None)
    if allowed is None:
        view_class = getattr(view, "view_class", None)
        method = getattr(view_class, request.method.lower(), None) if view_class else None
        allowed = getattr(method, "accepted_media_types", None)
    # A view that declares its media types (a file upload) needs its body in one of them; a JSON
    # view without a body is its schema's to answer (422 naming what is missing).
    if allowed is None and not has_body:
        return
    allowed = allowed or frozenset({"application/json"})
    if request.mimetype not in allowed:
        raise UnsupportedMediaType(
            f"Send the body as {' or '.join(sorted(allowed))}, not "
            f"{request.mimetype or 'an unspecified type'}."
        )


def relative_location(response: Response) -> Response:
    """A ``Location`` on this service is sent as a path (``after_request``): werkzeug's own
    redirects (``/docs`` → ``/docs/``) would otherwise name whatever host the request's ``Host``
    header claimed."""
    location = response.headers.get("Location")
    if location:
        parts = urlsplit(location)
        if parts.scheme or parts.netloc:
            response.headers["Location"] = urlunsplit(("", "", parts.path or "/", parts.query, ""))
    return response


def install(app: Flask, on_request_done: Callable[..., None] | None = None) -> None:
    """Request id, access log and the problem+json error handlers (``check_content_type`` is
    installed separately, after authentication)."""

    @app.before_request
    def _start() -> None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if _VALID_REQUEST_ID.fullmatch(incoming) else new_request_id()
        g.request_id_token = set_request_id(g.request_id)
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        request_id = g.get("request_id")
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        route = request.url_rule.rule if request.url_rule else "unmatched"
        if on_request_done is not None:
            on_request_done(request.method, route, response.status_code, elapsed)
        log.info(
            "%s %s %s",
            request.method,
            route,
            response.status_code,
            extra={"status": response.status_code, "duration_ms": round(elapsed * 1000, 2)},
        )
        return response

    @app.teardown_request
    def _reset(_exc: BaseException | None) -> None:
        token = g.pop("request_id_token", None)
        if token is not None:
            reset_request_id(token)

    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(InternalServerError, handle_unexpected)
    app.register_error_handler(Exception, handle_unexpected)
