"""JSON logs with the request id, Prometheus metrics, and the request-id context.

The request id travels: taken from (or added to) each HTTP request, put on every log line, written
into the events a request produces, and restored from the message headers by consumers.

No log line carries client data. Database errors are the usual way in: their text holds the
statement's parameters and a ``DETAIL`` with the row's values (a pseudonym in a key, a task's
title, a webhook's address). Engines never show parameters (``shared.db.create_engine``), and
every database error that reaches a log line — as its message's argument or in a traceback — is
written as its class, SQLSTATE, the schema objects involved and the statement, never its values.
A ``KeyError``'s text is its key, which is data just as often, and is not written either.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import psycopg
import sqlalchemy.exc

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    return _request_id.get()


def set_request_id(value: str | None) -> Any:
    """Set the request id for the current context; returns a token for ``reset_request_id``."""
    return _request_id.set(value)


def reset_request_id(token: Any) -> None:
    _request_id.reset(token)


def new_request_id() -> str:
    return uuid.uuid4().hex


#: SQLSTATE classes whose messages speak of the connection, the transaction or the server, never
#: of a row: connection exceptions, rollbacks (deadlock, serialisation), insufficient resources,
#: operator intervention, system errors.
_SAFE_SQLSTATE_CLASSES = frozenset({"08", "40", "53", "57", "58"})
_CONNECTION_ERRORS = frozenset({"OperationalError", "InterfaceError"})
_DIAGNOSTICS = ("schema_name", "table_name", "column_name", "constraint_name", "datatype_name")


def _is_database_error(error: BaseException) -> bool:
    """The driver's errors and SQLAlchemy's errors of a statement (which carry the driver's)."""
    return isinstance(error, psycopg.Error | sqlalchemy.exc.StatementError)


def safe_exception_text(error: BaseException) -> str:
    """An exception's text as it may be logged: for a database error, what it concerns but none
    of its values; for a ``KeyError``, nothing of the key."""
    if isinstance(error, KeyError):
        return "(the key is not shown)"
    if not _is_database_error(error):
        return str(error)
    original = getattr(error, "orig", None) or error
    parts: list[str] = []
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate:
        parts.append(f"SQLSTATE {sqlstate}")
    if original is not error:
        parts.insert(0, f"{type(original).__module__}.{type(original).__qualname__}")
    # A driver's own connection failure (no SQLSTATE) or a server error of a class that speaks
    # of no row: its first line says what happened (and no DETAIL is ever taken).
    connection_failure = sqlstate is None and type(original).__name__ in _CONNECTION_ERRORS
    if connection_failure or (sqlstate is not None and sqlstate[:2] in _SAFE_SQLSTATE_CLASSES):
        parts.append(str(original).strip().split("\n", 1)[0])
    diagnostics = getattr(original, "diag", None)
    for name in _DIAGNOSTICS:
        value = getattr(diagnostics, name, None) if diagnostics is not None else None
        if value:
            parts.append(f"{name.removesuffix('_name')} {value}")
    statement = getattr(error, "statement", None)
    if statement:
        parts.append(f"[SQL: {' '.join(str(statement).split())[:500]}]")
    return "; ".join(parts) or "a database error (its text is not shown)"


def format_exception_safely(error: BaseException) -> str:
    """A traceback like Python's own, each exception of the chain written by
    :func:`safe_exception_text`."""
    chain: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    current: BaseException | None = error
    link = ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = (
                current.__cause__,
                "The above exception was the direct cause of the following exception:",
            )
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = (
                current.__context__,
                "During handling of the above exception, another exception occurred:",
            )
        else:
            current = None
    lines: list[str] = []
    for position, (exception, _) in enumerate(reversed(chain)):
        if position:
            lines.append(f"\n{chain[len(chain) - position][1]}\n\n")
        if exception.__traceback__ is not None:
            lines.append("Traceback (most recent call last):\n")
            lines.extend(traceback.format_tb(exception.__traceback__))
        name = f"{type(exception).__module__}.{type(exception).__qualname__}"
        lines.append(f"{name.removeprefix('builtins.')}: {safe_exception_text(exception)}\n")
    return "".join(lines).rstrip("\n")


def _safe_argument(value: Any) -> Any:
    return safe_exception_text(value) if isinstance(value, BaseException) else value


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, service, logger, message, request id, extras."""

    _STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "message": _safe_message(record),
        }
        request_id = current_request_id()
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in self._STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info and record.exc_info[1] is not None:
            entry["exception"] = format_exception_safely(record.exc_info[1])
        return json.dumps(entry, default=_safe_argument_text, ensure_ascii=False)


def _safe_argument_text(value: Any) -> str:
    return str(_safe_argument(value))


def _safe_message(record: logging.LogRecord) -> str:
    """The record's message with any exception among its arguments written safely."""
    args = record.args
    if isinstance(record.msg, BaseException):
        record = logging.makeLogRecord({**vars(record), "msg": safe_exception_text(record.msg)})
    if isinstance(args, tuple) and any(isinstance(a, BaseException) for a in args):
        record = logging.makeLogRecord({**vars(record), "args": tuple(map(_safe_argument, args))})
    elif isinstance(args, dict) and any(isinstance(a, BaseException) for a in args.values()):
        safe = {k: _safe_argument(v) for k, v in args.items()}
        record = logging.makeLogRecord({**vars(record), "args": safe})
    return record.getMessage()


def configure_logging(service: str, level: str = "INFO") -> None:
    """Route every log record of the process to standard error as JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # pika logs every connection step at INFO; its warnings and errors are what matter.
    logging.getLogger("pika").setLevel(logging.WARNING)
