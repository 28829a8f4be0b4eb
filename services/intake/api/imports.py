"""``POST /v1/imports``: a CSV or NDJSON file from a regional system, stored as it streams in and
processed by the import worker (202 with the job). ``GET /v1/imports/{id}``: progress.
``GET /v1/imports/{id}/errors``: the rejected rows as CSV (row, field, message — never a value)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Response, current_app, request, stream_with_context
from flask.views import MethodView
from marshmallow import Schema, fields, validate
from werkzeug.exceptions import NotFound

from services.intake.domain.vocabulary import ITEM_KINDS
from services.intake.store import imports
from services.intake.store.tables import import_job
from shared.auth import Principal, current_principal, require_roles
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


def _visible_job(job_id: str, principal: Principal) -> Any:
    with service_context().engine.connect() as connection:
        job = connection.execute(sa.select(import_job).where(import_job.c.id == job_id)).first()
    if job is None or not _may_see(job, principal):
        raise NotFound("No such import of yours.")
    return job


def _may_see(job: Any, principal: Principal) -> bool:
    """Admins; the uploader; in the uploader's organisation, its integrations (a regional
    system's other credentials) and whoever belongs to every pilot the uploader could import
    for — never someone of the same organisation in other pilots only."""
    if principal.role == "admin" or job.created_by == principal.subject:
        return True
    if principal.organisation is None or job.created_by_org != principal.organisation:
        return False
    return principal.role == "integration" or set(job.created_by_pilots) <= principal.pilots


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
        with context.engine.begin() as connection:
            job = imports.receive(
                connection,
                request.stream,
                query["kind"],
                MEDIA_TYPES[request.mimetype],
                current_principal(),
                current_app.extensions["intake.file_seal"],
            )
        return job, 202, {"Location": f"/v1/imports/{job['id']}"}


@blp.route("/<string:job_id>")
class ImportJob(MethodView):
    @blp.response(200, ImportJobSchema)
    @require_roles(*UPLOADERS)
    def get(self, job_id: str) -> Any:
        """Progress: rows read, accepted, duplicates, rejected."""
        return _visible_job(job_id, current_principal())


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
        job = _visible_job(job_id, current_principal())
        body = stream_with_context(imports.errors_csv(service_context().engine, job.id))
        return Response(
            body,
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="import-{job.id}-errors.csv"'},
        )
