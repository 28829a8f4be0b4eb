"""``POST /v1/access-report``: intake's part of a client's right of access — who looked the young
person's cases up or recorded for them here (``usecases/access_report.py``)."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from services.intake.api.purpose import PURPOSE_HEADER, purpose
from services.intake.usecases.access_report import access_report
from shared.auth import current_principal, require_roles
from shared.csv_cells import csv_row
from shared.service import ApiBlueprint as Blueprint
from shared.service import service_context
from shared.validation import StrictSchema, identifier

blp = Blueprint(
    "access-report",
    __name__,
    url_prefix="/v1/access-report",
    description="A client's right of access: who processed their cases' data in intake.",
)


class AccessReportIn(StrictSchema):
    case_ids = fields.List(
        fields.String(validate=validate.And(validate.Length(min=1, max=200), identifier)),
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "The young person's cases (POST /v1/case-lookups finds them)."},
    )


class AccessEntrySchema(Schema):
    at = fields.DateTime()
    subject = fields.String()
    role = fields.String()
    organisation = fields.String(allow_none=True)
    action = fields.String()
    purpose = fields.String()
    case_ids = fields.List(fields.String())


class AccessReportSchema(Schema):
    entries = fields.List(fields.Nested(AccessEntrySchema))


COLUMNS = ("at", "subject", "role", "organisation", "action", "purpose", "case_ids")


@blp.route("")
class AccessReport(MethodView):
    @blp.doc(
        parameters=[PURPOSE_HEADER],
        responses={"200": {"content": {"text/csv": {"schema": {"type": "string"}}}}},
    )
    @blp.arguments(AccessReportIn)
    @blp.response(200, AccessReportSchema)
    @require_roles("admin")
    def post(self, data: dict[str, Any]) -> Any:
        """Who looked these cases up, recorded or read their attendance or recorded by case in
        intake: when, in what role, for what purpose. Admins, with `X-Purpose: client_request`
        (or `data_protection_audit`); itself audited. `Accept: text/csv` gives a printable CSV."""
        why = purpose()
        with service_context().unit_of_work() as uow:
            entries = access_report(uow, current_principal(), why, data["case_ids"])
        if request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv":
            lines = [csv_row(COLUMNS)] + [
                csv_row(
                    [e["at"].isoformat(), *(e[k] for k in COLUMNS[1:-1]), " ".join(e["case_ids"])]
                )
                for e in entries
            ]
            return Response(
                "".join(lines),
                mimetype="text/csv",
                headers={"Content-Disposition": 'attachment; filename="access-report-intake.csv"'},
            )
        return {"entries": entries}
