"""The CloudEvents 1.0 envelope: what is written is what a consumer reads back, and anything
malformed is refused with the reason."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marshmallow import ValidationError

from shared.messaging.envelope import CloudEventSchema, Envelope, _well_formed
from shared.messaging.events import ALL_EVENT_TYPES, EventType
from shared.observability import reset_request_id, set_request_id

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=10,
)


@given(
    data=st.dictionaries(st.text(max_size=10), json_values, max_size=5),
    type_=st.sampled_from(sorted(ALL_EVENT_TYPES)),
)
def test_envelope_survives_the_wire_unchanged(data: dict, type_: str) -> None:
    event = Envelope.new(type_, "/turvaverkko/intake", data, subject="case/1")
    assert Envelope.from_json_bytes(event.to_json_bytes()) == event


def test_new_event_carries_the_current_request_id() -> None:
    token = set_request_id("req-abcdef123")
    try:
        event = Envelope.new(EventType.PLATFORM_PROBE, "/t", {})
    finally:
        reset_request_id(token)
    assert event.requestid == "req-abcdef123"
    assert event.amqp_headers() == {"x-request-id": "req-abcdef123"}
    assert json.loads(event.to_json_bytes())["requestid"] == "req-abcdef123"


def test_event_type_outside_the_catalogue_is_refused_when_written() -> None:
    with pytest.raises(ValueError, match="catalogue"):
        Envelope.new("referral.deleted", "/t", {})


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"specversion": "0.3"}, "specversion"),
        ({"type": "unknown.event"}, "type"),
        ({"time": "2026-11-27T10:00:00"}, "time"),  # no time zone
        ({"data": [1, 2]}, "data"),
        ({"id": ""}, "id"),
    ],
)
def test_malformed_envelope_is_refused_naming_the_attribute(change: dict, field: str) -> None:
    body = Envelope.new(EventType.PLATFORM_PROBE, "/t", {}).to_dict() | change
    with pytest.raises(ValidationError) as caught:
        CloudEventSchema().load(body)
    assert field in caught.value.messages


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe", b"[1, 2]", b'"text"'])
def test_body_that_is_not_a_json_object_is_refused(body: bytes) -> None:
    with pytest.raises(ValidationError):
        Envelope.from_json_bytes(body)


def test_catalogue_types_are_valid_routing_keys() -> None:
    for event_type in EventType:
        assert event_type.value == event_type.value.lower()
        assert "*" not in event_type.value and "#" not in event_type.value
        assert len(event_type.value.split(".")) == 2


def test_event_ids_are_time_ordered_uuids_and_a_forked_child_draws_its_own() -> None:
    import os
    import time
    import uuid

    from shared.messaging.envelope import new_event_id

    before = time.time_ns() // 1_000_000
    made = [new_event_id() for _ in range(10_000)]
    after = time.time_ns() // 1_000_000
    ids = [uuid.UUID(i) for i in made]
    assert len(set(made)) == 10_000
    assert {(i.version, i.variant) for i in ids} == {(7, uuid.RFC_4122)}
    stamps = [i.int >> 80 for i in ids]
    assert stamps == sorted(stamps) and before <= stamps[0] and stamps[-1] <= after
    # 74 random bits: no two ids of one millisecond alike, and the bits vary
    assert len({i.int & ((1 << 74) - 1) for i in ids}) == 10_000
    new_event_id()  # the parent now holds unread randomness
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.write(write, new_event_id().encode())
        os._exit(0)
    os.waitpid(child, 0)
    from_child = os.read(read, 100).decode()
    assert from_child != new_event_id()


_ODD_VALUES = st.sampled_from(
    [None, "", "x" * 201, "x" * 501, 7, 1.5, True, [], {}, "1.0", "0.3", "application/xml"]
)
_TIMES = st.sampled_from(
    [
        "2026-07-01T12:00:00+03:00",
        "2026-07-01T12:00:00Z",
        "2026-07-01T12:00:00",  # no offset: refused
        "2026-07-01",
        "yesterday",
        "2026-02-30T12:00:00+02:00",
    ]
)


@given(
    changes=st.dictionaries(
        st.sampled_from(
            [
                "specversion",
                "id",
                "source",
                "type",
                "subject",
                "datacontenttype",
                "data",
                "requestid",
                "extension",
            ]
        ),
        _ODD_VALUES | st.sampled_from(sorted(ALL_EVENT_TYPES)),
        max_size=3,
    ),
    time=_TIMES,
    dropped=st.sets(st.sampled_from(["id", "source", "type", "time", "data", "subject"])),
)
def test_the_fast_path_and_the_schema_give_the_same_answer(
    changes: dict, time: str, dropped: set[str]
) -> None:
    """A consumer reads events through a hand-written check of the usual case; it must accept
    exactly what the schema accepts, as the same envelope, and leave everything else to it."""
    raw = Envelope.new(EventType.PLATFORM_PROBE, "/t", {"n": 1}).to_dict() | {"time": time}
    raw |= changes
    for name in dropped:
        raw.pop(name, None)
    try:
        expected: Envelope | None = CloudEventSchema().load(raw)
    except ValidationError:
        expected = None
    fast = _well_formed(raw)
    assert fast is None or fast == expected
    if expected is not None:
        assert Envelope.from_dict(raw) == expected
    else:
        with pytest.raises(ValidationError):
            Envelope.from_dict(raw)
