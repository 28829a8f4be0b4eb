"""Validation messages become RFC 9457 ``errors`` entries that name every bad field."""

from __future__ import annotations

# The services' schemas declare the field names that errors may repeat.
import services.intake.app
import services.notifications.app
import services.pilots.app  # noqa: F401
from shared.http import field_errors
from shared.messaging.connection import Backoff


def test_nested_body_errors_become_json_pointers() -> None:
    messages = {
        "json": {
            "items": {3: {"birth_date": ["Not a valid date."]}},
            "_schema": ["Too many items."],
        }
    }
    assert field_errors(messages) == [
        {"pointer": "#/items/3/birth_date", "detail": "Not a valid date."},
        {"pointer": "#", "detail": "Too many items."},
    ]


def test_a_declared_field_name_is_named_even_where_it_is_unknown() -> None:
    errors = field_errors({"json": {"birth_date": ["Unknown field."]}})
    assert errors == [{"pointer": "#/birth_date", "detail": "Unknown field."}]


def test_a_key_the_api_does_not_declare_is_placed_by_its_position_never_repeated() -> None:
    code = "230918F4176"  # synthetic, valid in form: exactly what must not come back
    sent = {"source_system": "a", "pilot_id": "p", code: "x"}
    errors = field_errors({"json": {code: ["Unknown field."]}}, {"json": sent})
    assert errors == [
        {
            "pointer": "#",
            "detail": "An unknown field (key number 3 of this object); its name is not "
            "repeated here.",
        }
    ]
    nested = field_errors(
        {"json": {"items": {"1": {code: ["Unknown field."]}}}},
        {"json": {"items": [{}, {code: 1}]}},
    )
    assert nested[0]["pointer"] == "#/items/1" and "key number 1" in nested[0]["detail"]
    assert code not in str(nested)


def test_an_unknown_query_parameter_the_api_does_not_declare_is_not_repeated() -> None:
    errors = field_errors({"query": {"C123456": ["Unknown field."]}}, {"query": {"C123456": "1"}})
    assert errors == [
        {
            "parameter": "",
            "detail": "An unknown field (key number 1 of this object); its name is not "
            "repeated here.",
        }
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
