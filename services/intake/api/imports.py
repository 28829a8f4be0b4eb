"""``POST /v1/imports``: a CSV or NDJSON file from a regional system, stored as it streams in and
processed by the import worker (202 with the job). ``GET /v1/imports/{id}``: progress.
``GET /v1/imports/{id}/errors``: the rejected rows as CSV (row, field, message — never a value).
``GET /v1/imports/{id}/results``: what became of each row, as CSV (row, source id, outcome, event
id; a rejected row's fields and messages — never a value). HTTP only: who may see a job, and what
is stored and streamed, is ``usecases.imports``."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request, stream_with_context
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from services.intake.domain.import_results import COLUMNS, OUTCOMES
from services.intake.domain.vocabulary import ITEM_KINDS
from services.intake.usecases import imports as usecases
from shared.auth import current_principal, require_roles
from shared.http import accepts
from shared.service import ApiBlueprint as Blueprint
from shared.service import service_context
from shared.validation import StrictSchema

blp = Blueprint(
    "imports",
    __name__,
    url_prefix="/v1/imports",
    description="Bulk files from regional client-information systems.",
)

UPLOADERS = ("admin", "integration", "pilot_lead")
MEDIA_TYPES = {"text/csv": "csv", "application/x-ndjson": "ndjson", "application/ndjson": "ndjson"}


class ImportQuery(StrictSchema):
    kind = fields.String(
        required=True,
        validate=validate.OneOf(ITEM_KINDS),
        metadata={"description": "What each row is."},
    )


class ImportJobSchema(Schema):
    id = fields.String()
    kind = fields.String()
    format = fields.String()
    status = fields.String(metadata={"description": "queued, running, finished or failed"})
    bytes = fields.Integer()
    rows_read = fields.Integer()
    accepted = fields.Integer()
    duplicates = fields.Integer()
    rejected = fields.Integer()
    failure = fields.String(allow_none=True)
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)


class ResultsQuery(StrictSchema):
    outcome = fields.String(
        validate=validate.OneOf(OUTCOMES),
        metadata={"description": "Only the rows of this outcome."},
    )


@blp.route("")
class Imports(MethodView):
    @blp.arguments(ImportQuery, location="query")
    @blp.response(202, ImportJobSchema)
    @blp.doc(
        requestBody={
            "required": True,
            "content": {media_type: {"schema": {"type": "string"}} for media_type in MEDIA_TYPES},
        }
    )
    @accepts(*MEDIA_TYPES)
    @require_roles(*UPLOADERS)
    def post(self, query: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Upload a file; it is processed in the background. Rows are checked like API items."""
        context = service_context()
        request.max_content_length = context.settings.import_max_bytes
        job = usecases.upload(
            current_principal(),
            context.unit_of_work(),
            request.stream,
            query["kind"],
            MEDIA_TYPES[request.mimetype],
            current_app.extensions["intake.file_seal"],
        )
        return job, 202, {"Location": f"/v1/imports/{job['id']}"}


@blp.route("/<string:job_id>")
class ImportJob(MethodView):
    @blp.response(200, ImportJobSchema)
    @require_roles(*UPLOADERS)
    def get(self, job_id: str) -> Any:
        """Progress: rows read, accepted, duplicates, rejected."""
        return usecases.visible_job(current_principal(), service_context().unit_of_work(), job_id)


@blp.route("/<string:job_id>/errors")
class ImportErrors(MethodView):
    @blp.doc(
        responses={
            "200": {
                "description": "row,field,message",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    )
    @require_roles(*UPLOADERS)
    def get(self, job_id: str) -> Response:
        """The rejected rows as CSV: row number, field and message (never the row's values)."""
        job, lines = usecases.errors_csv(
            current_principal(), service_context().unit_of_work(), job_id
        )
        return Response(
            stream_with_context(lines),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="import-{job.id}-errors.csv"'},
        )


@blp.route("/<string:job_id>/results")
class ImportResults(MethodView):
    @blp.arguments(ResultsQuery, location="query")
    @blp.doc(
        responses={
            "200": {
                "description": ",".join(COLUMNS),
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    )
    @require_roles(*UPLOADERS)
    def get(self, query: dict[str, Any], job_id: str) -> Response:
        """What became of each row, as CSV: row number, source system and source id, outcome
        (accepted, duplicate, rejected), the event it became (a duplicate: the stored event), and
        for a rejected row one line per error with its field and message — never the row's
        values (a rejected row's source pair only if it is valid). ``outcome`` keeps one kind."""
        job, lines = usecases.results_csv(
            current_principal(), service_context().unit_of_work(), job_id, query.get("outcome")
        )
        return Response(
            stream_with_context(lines),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="import-{job.id}-results.csv"'},
        )
