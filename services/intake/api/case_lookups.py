"""``POST /v1/case-lookups``: a worker finds a young person's cases in their own pilots by identity
code or regional client number. The identifier travels in the body only — never in a URL, and
request logs carry no body — and is audited by the case ids it found, never by itself."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields

from services.intake.api.purpose import PURPOSE_HEADER, purpose
from services.intake.domain.schemas import CaseLookupSchema
from services.intake.usecases.case_lookups import LOOKERS, look_up_cases
from shared.auth import current_principal, require_roles
from shared.service import ApiBlueprint as Blueprint
from shared.service import service_context

blp = Blueprint(
    "case-lookups",
    __name__,
    url_prefix="/v1/case-lookups",
    description="Finding a young person's cases again, by identity code or client number.",
)


class FoundCaseSchema(Schema):
    case_id = fields.String()
    case_code = fields.String(metadata={"description": "The short code, e.g. K7QM-3XPD."})
    pilot_id = fields.String()
    opened_at = fields.DateTime()
    previous_case_id = fields.String(
        allow_none=True, metadata={"description": "The young person's earlier episode."}
    )
    ended_at = fields.DateTime(
        allow_none=True,
        metadata={"description": "When it was closed or declined: no item may name it any more."},
    )


class CaseLookupResultSchema(Schema):
    cases = fields.List(fields.Nested(FoundCaseSchema), metadata={"description": "Newest first."})


@blp.route("")
class CaseLookups(MethodView):
    @blp.doc(parameters=[PURPOSE_HEADER])
    @blp.arguments(CaseLookupSchema)
    @blp.response(200, CaseLookupResultSchema)
    @blp.alt_response(404, description="No case of this young person among your pilots.")
    @require_roles(*LOOKERS)
    def post(self, client: dict[str, Any]) -> dict[str, Any]:
        """Find a young person's open cases among your pilots (admins: all), newest first. The
        same 404 whether the young person is unknown or only in other pilots."""
        why = purpose()
        with service_context().unit_of_work() as uow:
            found = look_up_cases(
                current_principal(),
                uow,
                current_app.extensions["intake"].pseudonymiser,
                client,
                why,
            )
        return {"cases": found}
