"""Log lines are JSON objects carrying the service, the request id and any extra fields."""

from __future__ import annotations

import json
import logging

from shared.observability import JsonFormatter, reset_request_id, set_request_id


def _format(record: logging.LogRecord) -> dict:
    return json.loads(JsonFormatter("intake.web").format(record))


def test_log_line_is_json_with_service_and_request_id() -> None:
    record = logging.LogRecord(
        "shared.http", logging.INFO, __file__, 1, "GET %s %s", ("/v1/x", 200), None
    )
    record.status = 200
    token = set_request_id("req-0123456789")
    try:
        line = _format(record)
    finally:
        reset_request_id(token)
    assert line["message"] == "GET /v1/x 200"
    assert line["service"] == "intake.web" and line["level"] == "info"
    assert line["request_id"] == "req-0123456789" and line["status"] == 200


def test_exception_is_logged_as_text_inside_the_json() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = _format(record)
    assert "ValueError: boom" in line["exception"] and "request_id" not in line


def test_a_key_error_is_logged_without_its_key() -> None:
    """A lookup keyed by a pseudonym fails with the pseudonym as its text."""
    import sys

    try:
        {}["ab" * 32]
    except KeyError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = _format(record)
    assert "KeyError" in line["exception"] and "ab" * 32 not in line["exception"]
