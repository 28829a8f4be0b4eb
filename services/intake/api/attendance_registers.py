"""``POST /v1/activities/{activity_id}/sessions``: a session's attendance register — its start,
duration and each case's attendance — recorded as one participation per case, once; a changed
mark recorded as a correction. ``GET /v1/activities/{activity_id}/sessions/{starts_at}``: the
register as it stands."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from services.intake.api.purpose import PURPOSE_HEADER, purpose
from services.intake.domain.schemas import RegisterSchema, session_start
from services.intake.usecases.attendance_registers import (
    RECORDERS,
    current_register,
    record_register,
)
from shared.auth import current_principal, require_roles
from shared.errors import Unprocessable
from shared.service import ApiBlueprint as Blueprint
from shared.service import service_context

blp = Blueprint(
    "attendance-registers",
    __name__,
    url_prefix="/v1/activities",
    description="Attendance registers of an activity's sessions, by case.",
)


class EntryResultSchema(Schema):
    index = fields.Integer(metadata={"description": "Position in the register's attendance."})
    case_id = fields.String()
    status = fields.String(validate=validate.OneOf(["accepted", "corrected", "duplicate"]))
    event_id = fields.String(
        metadata={
            "description": "The participation recording the mark (for a duplicate, the "
            "one recorded earlier)."
        }
    )
    corrects = fields.String(
        metadata={"description": "For a correction: the earlier participation it corrects."}
    )


class RegisterResultSchema(Schema):
    activity_id = fields.String()
    starts_at = fields.DateTime()
    accepted = fields.Integer()
    corrected = fields.Integer()
    duplicates = fields.Integer()
    results = fields.List(fields.Nested(EntryResultSchema))


class MarkSchema(Schema):
    case_id = fields.String()
    attendance = fields.String()
    event_id = fields.String()


class RegisterViewSchema(Schema):
    activity_id = fields.String()
    starts_at = fields.DateTime()
    pilot_id = fields.String()
    duration_minutes = fields.Integer()
    kind = fields.String()
    updated_at = fields.DateTime()
    attendance = fields.List(fields.Nested(MarkSchema), metadata={"description": "By case id."})


def _intake() -> Any:
    return current_app.extensions["intake"]


@blp.route("/<string:activity_id>/sessions")
class Sessions(MethodView):
    @blp.doc(parameters=[PURPOSE_HEADER])
    @blp.arguments(RegisterSchema)
    @blp.response(200, RegisterResultSchema)
    @blp.alt_response(403, description="Not an activity of your pilots.")
    @blp.alt_response(404, description="No such activity.")
    @require_roles(*RECORDERS)
    def post(self, register: dict[str, Any], activity_id: str) -> dict[str, Any]:
        """Record a session's attendance register: one participation per case, once per
        (activity, start, case); a changed mark is a new participation correcting the earlier
        one. Every case must be an open case of the activity's pilot, or nothing is recorded."""
        why = purpose()
        with service_context().unit_of_work() as uow:
            return record_register(current_principal(), uow, _intake(), activity_id, register, why)


@blp.route("/<string:activity_id>/sessions/<string:starts_at>")
class SessionRegister(MethodView):
    @blp.doc(parameters=[PURPOSE_HEADER])
    @blp.response(200, RegisterViewSchema)
    @blp.alt_response(403, description="Not an activity of your pilots.")
    @blp.alt_response(404, description="No such activity, or no register of this session.")
    @blp.alt_response(422, description="The start is not a date-time with a zone.")
    @require_roles(*RECORDERS)
    def get(self, activity_id: str, starts_at: str) -> dict[str, Any]:
        """The session's register as it stands: each case's current mark. ``starts_at`` is
        the session's start with its zone (``2026-10-01T13:00:00Z``)."""
        try:
            start = session_start(starts_at)
        except ValueError as exc:
            raise Unprocessable(errors=[{"parameter": "starts_at", "detail": str(exc)}]) from None
        why = purpose()
        with service_context().unit_of_work() as uow:
            return current_register(current_principal(), uow, _intake(), activity_id, start, why)
