"""Response schemas of the intake API (the item schemas are in ``services.intake.domain.schemas``)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class ItemResultSchema(Schema):
    index = fields.Integer(metadata={"description": "Position in the submitted list."})
    status = fields.String(validate=validate.OneOf(["accepted", "duplicate", "rejected"]))
    event_id = fields.String(
        metadata={"description": "The event's id; for a duplicate, the original's."}
    )
    errors = fields.List(fields.Dict(), metadata={"description": "RFC 9457-style field errors."})


class BatchResultSchema(Schema):
    accepted = fields.Integer()
    duplicates = fields.Integer()
    rejected = fields.Integer()
    results = fields.List(fields.Nested(ItemResultSchema))


class EventStateSchema(Schema):
    id = fields.String()
    kind = fields.String()
    pilot_id = fields.String()
    source_system = fields.String()
    state = fields.String(validate=validate.OneOf(["stored", "published"]))
    received_at = fields.DateTime()
    published_at = fields.DateTime(allow_none=True)
