"""The CloudEvents 1.0 envelope (structured JSON mode) that every message carries."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate

from shared.messaging.events import ALL_EVENT_TYPES
from shared.observability import current_request_id

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/cloudevents+json"
REQUEST_ID_HEADER = "x-request-id"

_EXTENSION_NAME = validate.Regexp(r"^[a-z0-9]{1,20}$")


@dataclass(frozen=True)
class Envelope:
    """One CloudEvent. ``requestid`` is an extension attribute that carries the HTTP request id."""

    type: str
    source: str
    data: dict[str, Any]
    subject: str | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
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
        return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=False).encode()

    def amqp_headers(self) -> dict[str, str]:
        return {REQUEST_ID_HEADER: self.requestid} if self.requestid else {}

    @classmethod
    def from_json_bytes(cls, body: bytes) -> Envelope:
        """Parse and validate a message body; raises ``ValidationError`` for anything malformed."""
        try:
            raw = json.loads(body)
        except ValueError:  # JSONDecodeError and UnicodeDecodeError are both ValueErrors
            raise ValidationError("the message body is not a UTF-8 JSON document") from None
        if not isinstance(raw, dict):
            raise ValidationError("a CloudEvent must be a JSON object")
        return CloudEventSchema().load(raw)


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
