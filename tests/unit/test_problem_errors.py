"""Validation messages become RFC 9457 ``errors`` entries that name every bad field."""

from __future__ import annotations

from shared.http import field_errors
from shared.messaging.connection import Backoff


def test_nested_body_errors_become_json_pointers() -> None:
    messages = {
        "json": {
            "items": {3: {"birth_date": ["Not a valid date."]}},
            "pilot/id": ["Unknown field."],
            "_schema": ["Too many items."],
        }
    }
    assert field_errors(messages) == [
        {"pointer": "#/items/3/birth_date", "detail": "Not a valid date."},
        {"pointer": "#/pilot~1id", "detail": "Unknown field."},
        {"pointer": "#", "detail": "Too many items."},
    ]


def test_query_and_header_errors_name_the_parameter() -> None:
    messages = {
        "query": {"limit": ["Must be at most 100."]},
        "headers": {"Idempotency-Key": ["Too long."]},
    }
    assert field_errors(messages) == [
        {"parameter": "limit", "detail": "Must be at most 100."},
        {"header": "Idempotency-Key", "detail": "Too long."},
    ]


def test_every_message_of_a_field_is_kept() -> None:
    errors = field_errors({"json": {"name": ["Too short.", "Not a name."]}})
    assert [e["detail"] for e in errors] == ["Too short.", "Not a name."]


def test_backoff_grows_is_capped_and_resets() -> None:
    backoff = Backoff(base=0.1, cap=2.0)
    delays = [backoff.next_delay() for _ in range(10)]
    assert delays[0] <= 0.1
    assert max(delays) <= 2.0 and delays[-1] >= 1.0
    backoff.reset()
    assert backoff.next_delay() <= 0.1
