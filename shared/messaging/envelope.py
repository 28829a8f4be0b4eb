"""The CloudEvents 1.0 envelope that every message carries: one event in structured JSON mode
(``application/cloudevents+json``), or several events of one type in batched mode
(``application/cloudevents-batch+json``, a JSON array of structured events)."""

from __future__ import annotations

import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

import orjson
from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate

from shared.messaging.events import ALL_EVENT_TYPES
from shared.observability import current_request_id

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/cloudevents+json"
BATCH_CONTENT_TYPE = "application/cloudevents-batch+json"
REQUEST_ID_HEADER = "x-request-id"

_EXTENSION_NAME = validate.Regexp(r"[a-z0-9]{1,20}\Z")  # re.match: anchored at the start


_entropy = threading.local()
# A forked child must not reuse its parent's unread randomness (the same ids would follow).
os.register_at_fork(after_in_child=lambda: _entropy.__dict__.clear())


def source_of(service: str) -> str:
    """The CloudEvents ``source`` of every event a service publishes: ``/turvaverkko/<service>``."""
    return f"/turvaverkko/{service}"


def new_event_id() -> str:
    """A time-ordered (version 7, RFC 9562) UUID: the Unix time in milliseconds, then 74 random
    bits from operating-system randomness read 4 KiB at a time (bulk intake makes thousands of
    events a second). Ordered by time, a new id lands at the end of every index on it (the event
    tables' keys, the outbox's) instead of at a random page: a million-row import then touches
    the same few index pages over and over rather than the whole index."""
    buffer: bytes = getattr(_entropy, "buffer", b"")
    at: int = getattr(_entropy, "at", 0)
    if at + 10 > len(buffer):
        buffer, at = os.urandom(4096), 0
        _entropy.buffer = buffer
    _entropy.at = at + 10
    random = int.from_bytes(buffer[at : at + 10])
    value = (
        (time.time_ns() // 1_000_000) << 80
        | 0x7 << 76  # version 7
        | (random >> 68) << 64  # 12 random bits
        | 0b10 << 62  # the RFC's variant
        | random & ((1 << 62) - 1)  # 62 random bits
    )
    return str(uuid.UUID(int=value))


class SerializedEvent(NamedTuple):
    """An event already turned into its outbox row (a JSON object: event_id, event_type, headers,
    payload) — what a process preparing events hands to the one that stores them."""

    id: str
    outbox_row: bytes


@dataclass(frozen=True)
class Envelope:
    """One CloudEvent. ``requestid`` is an extension attribute that carries the HTTP request id."""

    type: str
    source: str
    data: dict[str, Any]
    subject: str | None = None
    id: str = field(default_factory=lambda: new_event_id())
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    requestid: str | None = None
    specversion: str = SPEC_VERSION
    datacontenttype: str = "application/json"

    @classmethod
    def new(
        cls, type: str, source: str, data: dict[str, Any], subject: str | None = None
    ) -> Envelope:
        """A new event, stamped with a fresh id, the current time and the current request id."""
        if type not in ALL_EVENT_TYPES:
            raise ValueError(f"{type!r} is not in the event catalogue")
        return cls(
            type=type, source=source, data=data, subject=subject, requestid=current_request_id()
        )

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "specversion": self.specversion,
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "time": self.time.isoformat(),
            "datacontenttype": self.datacontenttype,
            "data": self.data,
        }
        if self.subject is not None:
            body["subject"] = self.subject
        if self.requestid is not None:
            body["requestid"] = self.requestid
        return body

    def to_json_bytes(self) -> bytes:
        """The structured-mode message body. Serialised once — the event is not changed after it
        is made — and the bytes travel with a pickled event, so a process that prepares events
        also serialises them."""
        cached: bytes | None = self.__dict__.get("_json")
        if cached is None:
            cached = orjson.dumps(self.to_dict())
            object.__setattr__(self, "_json", cached)
        return cached

    def serialized(self) -> SerializedEvent:
        """The event as the outbox stores it, ready to write (and cheap to pickle): the message
        body goes in as a JSON value, not as an escaped string inside one."""
        head = orjson.dumps(
            {"event_id": self.id, "event_type": self.type, "headers": self.amqp_headers()}
        )
        return SerializedEvent(self.id, head[:-1] + b',"payload":' + self.to_json_bytes() + b"}")

    def amqp_headers(self) -> dict[str, str]:
        return {REQUEST_ID_HEADER: self.requestid} if self.requestid else {}

    @classmethod
    def from_json_bytes(cls, body: bytes) -> Envelope:
        """Parse and validate a message body; raises ``ValidationError`` for anything malformed."""
        return cls.from_dict(_json(body))

    @classmethod
    def from_dict(cls, raw: Any) -> Envelope:
        if not isinstance(raw, dict):
            raise ValidationError("a CloudEvent must be a JSON object")
        return _well_formed(raw) or _SCHEMA.load(raw)


def parse_batch(body: bytes) -> list[Envelope | ValidationError]:
    """The events of a batched message, each parsed on its own: one malformed event does not
    spoil the others. Raises ``ValidationError`` if the body is not a JSON array at all."""
    raw = _json(body)
    if not isinstance(raw, list):
        raise ValidationError("a CloudEvents batch must be a JSON array")
    events: list[Envelope | ValidationError] = []
    for item in raw:
        try:
            events.append(Envelope.from_dict(item))
        except ValidationError as exc:
            events.append(exc)
    return events


def batch_body(payloads: list[bytes]) -> bytes:
    """A batched message body from already serialised events."""
    return b"[" + b",".join(payloads) + b"]"


def _json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:  # also raised for invalid UTF-8
        raise ValidationError("the message body is not a UTF-8 JSON document") from None


class CloudEventSchema(Schema):
    """CloudEvents 1.0 required and optional context attributes, plus the ``requestid`` extension."""

    class Meta:
        unknown = EXCLUDE  # unknown extension attributes are allowed by the specification

    specversion = fields.String(required=True, validate=validate.Equal(SPEC_VERSION))
    id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    source = fields.String(required=True, validate=validate.Length(min=1, max=500))
    type = fields.String(required=True, validate=validate.OneOf(sorted(ALL_EVENT_TYPES)))
    time = fields.AwareDateTime(required=True, format="iso")
    subject = fields.String(load_default=None, allow_none=True)
    datacontenttype = fields.String(
        load_default="application/json", validate=validate.Equal("application/json")
    )
    data = fields.Dict(keys=fields.String(), required=True)
    requestid = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))

    @post_load
    def make_envelope(self, values: dict[str, Any], **_: Any) -> Envelope:
        return Envelope(**values)


_SCHEMA = CloudEventSchema()


def _well_formed(raw: dict[str, Any]) -> Envelope | None:
    """The usual, well-formed event, checked as ``CloudEventSchema`` checks it but without its
    machinery (a consumer parses thousands a second); None for anything else, which the schema
    then loads or refuses with its messages. ``tests/unit/test_envelope.py`` holds the two to the
    same answers."""
    try:
        specversion, event_id, source, event_type, time, data = (
            raw["specversion"],
            raw["id"],
            raw["source"],
            raw["type"],
            raw["time"],
            raw["data"],
        )
    except KeyError:
        return None
    subject = raw.get("subject")
    requestid = raw.get("requestid")
    if not (
        specversion == SPEC_VERSION
        and type(event_id) is str
        and 1 <= len(event_id) <= 200
        and type(source) is str
        and 1 <= len(source) <= 500
        and type(event_type) is str
        and event_type in ALL_EVENT_TYPES
        and type(time) is str
        and type(data) is dict
        and (subject is None or type(subject) is str)
        and (requestid is None or (type(requestid) is str and len(requestid) <= 200))
        and raw.get("datacontenttype", "application/json") == "application/json"
    ):
        return None
    try:
        when = datetime.fromisoformat(time)
    except ValueError:
        return None
    if when.tzinfo is None:
        return None
    return Envelope(
        type=event_type,
        source=source,
        data=data,
        subject=subject,
        id=event_id,
        time=when,
        requestid=requestid,
    )
