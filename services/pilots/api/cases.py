"""Cases — one pseudonymous young person in one pilot — with their workflow, tasks and timeline.

Client-level data: only admins and the workers and leads of the case's pilot see a case (a case of
another pilot is 404, as if it did not exist); coordinators and integrations never do. Every read
and every change is written to the audit log with its purpose (``X-Purpose``, default
``case_work``). Cases are opened by referrals through intake, never here.
"""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask.views import MethodView
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from services.pilots.api.schemas import Strict
from services.pilots.api.versioned import check_merged
from services.pilots.domain.cases import (
    CLOSING_REASONS,
    DECLINE_REASONS,
    STATES,
    allowed_from,
    closing_reason_problem,
)
from services.pilots.usecases import cases as usecases
from services.pilots.usecases.cases import CASE_ROLES
from shared.auth import current_principal, require_roles
from shared.csv_cells import csv_row
from shared.http import unprocessable
from shared.purposes import PURPOSES
from shared.resources import PageQuery, etag, if_match, page, page_schema
from shared.service import ApiBlueprint as Blueprint
from shared.service import service_context
from shared.validation import identifier

blp = Blueprint(
    "cases",
    __name__,
    url_prefix="/v1/cases",
    description="Cases: a young person in a pilot — workflow, tasks, timeline. Client-level data.",
)

SUBJECT = validate.And(validate.Length(min=1, max=200), identifier)


class CaseSchema(Schema):
    id = fields.String()
    code = fields.String(metadata={"description": "The case code, e.g. K7QM-3XPD."})
    pilot_id = fields.String()
    previous_case_id = fields.String(
        allow_none=True, metadata={"description": "The young person's earlier case (episode)."}
    )
    state = fields.String()
    allowed_transitions = fields.Method("_allowed")
    closing_reason = fields.String(allow_none=True)
    responsible_worker = fields.String(allow_none=True)
    age_band = fields.String(allow_none=True)
    gender = fields.String(allow_none=True)
    home_region = fields.String(allow_none=True)
    referred_on = fields.Date(allow_none=True)
    enrolled_at = fields.DateTime(allow_none=True)
    last_activity_at = fields.DateTime()
    version = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()

    def _allowed(self, case: dict[str, Any]) -> list[str]:
        return allowed_from(case["state"])


CasePage = page_schema("CasePage", CaseSchema)


class CaseQuery(PageQuery):
    pilot = fields.String(validate=validate.And(validate.Length(min=1, max=63), identifier))
    state = fields.String(validate=validate.OneOf(STATES))
    worker = fields.String(
        validate=SUBJECT, metadata={"description": "Responsible worker (as `responsible`)."}
    )
    responsible = fields.String(
        validate=SUBJECT, metadata={"description": "Responsible worker; `me` is the caller."}
    )
    idle = fields.Boolean(
        metadata={"description": "true: only the cases idle now (quiet for the pilot's idle days)."}
    )
    open = fields.Boolean(metadata={"description": "true: not closed or declined; false: final."})
    previous_case = fields.String(
        validate=validate.And(validate.Length(min=1, max=200), identifier),
        metadata={"description": "Later episodes of this case."},
    )
    activity = fields.String(
        validate=validate.And(validate.Length(min=1, max=200), identifier),
        metadata={"description": "Took part in (or missed) this activity."},
    )
    referred_from = fields.Date()
    referred_to = fields.Date(metadata={"description": "Referred on or before this day."})


class CasePatch(Strict):
    responsible_worker = fields.String(allow_none=True, validate=SUBJECT)


class TransitionIn(Strict):
    to_state = fields.String(required=True, validate=validate.OneOf(STATES))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    closing_reason = fields.String(
        validate=validate.OneOf(sorted({*CLOSING_REASONS, *DECLINE_REASONS})),
        metadata={"description": "Required for closed (why it ended) and declined."},
    )

    @validates_schema
    def _closing(self, data: dict[str, Any], **_: Any) -> None:
        # The domain's rule, checked here too so that one answer names every bad field.
        if "to_state" in data:
            problem = closing_reason_problem(data["to_state"], data.get("closing_reason"))
            if problem is not None:
                raise ValidationError(problem, "closing_reason")


class TransitionSchema(Schema):
    from_state = fields.String(allow_none=True)
    to_state = fields.String()
    reason = fields.String()
    closing_reason = fields.String(allow_none=True)
    by_subject = fields.String()
    by_role = fields.String()
    at = fields.DateTime()


class TimelineEntrySchema(Schema):
    kind = fields.String()
    occurred_at = fields.DateTime()
    summary = fields.Dict()


class TaskIn(Strict):
    title = fields.String(required=True, validate=validate.Length(min=1, max=500))
    due_on = fields.Date(required=True)
    assignee = fields.String(required=True, validate=SUBJECT)


class TaskPatch(TaskIn):
    done = fields.Boolean()


class TaskSchema(TaskIn):
    class Meta:
        unknown = RAISE

    id = fields.String(dump_only=True)
    case_id = fields.String(dump_only=True)
    case_code = fields.String(dump_only=True)
    pilot_id = fields.String(dump_only=True)
    done = fields.Boolean(dump_only=True)
    done_at = fields.DateTime(dump_only=True, allow_none=True)
    created_by = fields.String(dump_only=True)
    version = fields.Integer(dump_only=True)


# --- the purpose of access -------------------------------------------------------------------


def purpose() -> str:
    """The purpose of access from ``X-Purpose`` (default ``case_work``), written to the audit log
    with every read and change."""
    value = request.headers.get("X-Purpose", "case_work")
    if value not in PURPOSES:
        raise unprocessable([{"header": "X-Purpose", "detail": f"One of: {', '.join(PURPOSES)}."}])
    return value


# --- resources --------------------------------------------------------------------------------


@blp.route("")
class Cases(MethodView):
    @blp.arguments(CaseQuery, location="query")
    @blp.response(200, CasePage)
    @require_roles(*CASE_ROLES)
    def get(self, query: dict[str, Any]) -> Any:
        """The caller's pilots' cases; filter by pilot, state, responsible worker (`me`), idle,
        activity, referral date or earlier episode (a case code: `POST /v1/cases/by-code`). Each case listed is written to
        the audit log."""
        why = purpose()
        with service_context().unit_of_work() as uow:
            rows = usecases.list_cases(uow, current_principal(), why, query)
            uow.commit()
        body, headers = page(rows, query["limit"], "id")
        return body, 200, headers


class CaseCodeIn(Strict):
    code = fields.String(required=True, validate=validate.Length(min=1, max=32))


@blp.route("/by-code")
class CaseByCode(MethodView):
    @blp.arguments(CaseCodeIn)
    @blp.response(200, CaseSchema)
    @require_roles(*CASE_ROLES)
    def post(self, data: dict[str, Any]) -> Any:
        """The case with this case code among the caller's pilots (404 otherwise). In a body,
        so that the code stays out of URLs and access logs."""
        why = purpose()
        with service_context().unit_of_work() as uow:
            found = usecases.find_by_code(uow, current_principal(), why, data["code"])
            uow.commit()
        return dict(found.row), 200, etag(found.row["version"])


class AccessReportIn(Strict):
    case_ids = fields.List(
        fields.String(validate=validate.And(validate.Length(min=1, max=200), identifier)),
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "The young person's cases (intake's case lookup finds them)."},
    )


class AccessEntrySchema(Schema):
    at = fields.DateTime()
    subject = fields.String()
    role = fields.String()
    organisation = fields.String(allow_none=True)
    action = fields.String()
    purpose = fields.String()


class AccessReportCase(Schema):
    case_id = fields.String()
    code = fields.String()
    pilot_id = fields.String()
    entries = fields.List(fields.Nested(AccessEntrySchema))


class AccessReportSchema(Schema):
    cases = fields.List(fields.Nested(AccessReportCase))


ACCESS_COLUMNS = (
    "case_code",
    "pilot_id",
    "at",
    "subject",
    "role",
    "organisation",
    "action",
    "purpose",
)


@blp.route("/access-report")
class AccessReport(MethodView):
    @blp.arguments(AccessReportIn)
    @blp.response(200, AccessReportSchema)
    @blp.doc(
        responses={
            "200": {"content": {"text/csv": {"schema": {"type": "string"}}}},
        }
    )
    @require_roles("admin")
    def post(self, data: dict[str, Any]) -> Any:
        """The right of access (GDPR Art. 15; Act 703/2023 §11): for each of a young person's
        cases, who read or changed it, when, in what role and for what purpose. Admins only,
        with `X-Purpose: client_request` (or `data_protection_audit`); the report is itself
        audited. `Accept: text/csv` gives a printable CSV."""
        why = purpose()
        with service_context().unit_of_work() as uow:
            report = usecases.access_report(uow, current_principal(), why, data["case_ids"])
            uow.commit()
        if request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv":
            lines = [csv_row(ACCESS_COLUMNS)]
            for case in report:
                for entry in case["entries"]:
                    lines.append(
                        csv_row(
                            [case["code"], case["pilot_id"], entry["at"].isoformat()]
                            + [entry[k] for k in ACCESS_COLUMNS[3:]]
                        )
                    )
            return Response(
                "".join(lines),
                mimetype="text/csv",
                headers={"Content-Disposition": 'attachment; filename="access-report.csv"'},
            )
        return {"cases": report}


@blp.route("/<string:case_id>")
class Case(MethodView):
    @blp.response(200, CaseSchema)
    @require_roles(*CASE_ROLES)
    def get(self, case_id: str) -> Any:
        why = purpose()
        with service_context().unit_of_work() as uow:
            found = usecases.get_case(uow, current_principal(), why, case_id)
            uow.commit()
        return dict(found.row), 200, etag(found.row["version"])

    @blp.arguments(CasePatch)
    @blp.response(200, CaseSchema)
    @blp.alt_response(412, description="The case changed since you read it.")
    @blp.alt_response(428, description="If-Match is missing.")
    @require_roles(*CASE_ROLES)
    def patch(self, data: dict[str, Any], case_id: str) -> Any:
        """Name the responsible worker; send `If-Match` with the case's ETag."""
        expected, why = if_match(), purpose()
        with service_context().unit_of_work() as uow:
            row = usecases.update_case(uow, current_principal(), why, case_id, expected, data)
            uow.commit()
        return row, 200, etag(row["version"])


@blp.route("/<string:case_id>/transitions")
class Transitions(MethodView):
    @blp.response(200, TransitionSchema(many=True))
    @require_roles(*CASE_ROLES)
    def get(self, case_id: str) -> list[dict[str, Any]]:
        """Every move of the case: from, to, why, who and when."""
        why = purpose()
        with service_context().unit_of_work() as uow:
            result = usecases.transitions(uow, current_principal(), why, case_id)
            uow.commit()
        return result

    @blp.arguments(TransitionIn)
    @blp.response(201, CaseSchema)
    @blp.alt_response(409, description="The workflow does not allow this move.")
    @require_roles(*CASE_ROLES)
    def post(self, data: dict[str, Any], case_id: str) -> Any:
        """Move the case; the workflow allows only its defined transitions (409 otherwise).
        Publishes `case.transitioned`."""
        why = purpose()
        with service_context().unit_of_work() as uow:
            moved = usecases.move_case(
                uow,
                current_principal(),
                why,
                case_id,
                data["to_state"],
                data["reason"],
                data.get("closing_reason"),
            )
            uow.commit()
        return moved, 201, etag(moved["version"])


@blp.route("/<string:case_id>/timeline")
class Timeline(MethodView):
    @blp.response(200, TimelineEntrySchema(many=True))
    @require_roles(*CASE_ROLES)
    def get(self, case_id: str) -> list[dict[str, Any]]:
        """Referral, participations, outcomes and the case's own moves, in time order — for a
        later episode, from its referral on."""
        why = purpose()
        with service_context().unit_of_work() as uow:
            entries = usecases.timeline(uow, current_principal(), why, case_id)
            uow.commit()
        return entries


@blp.route("/<string:case_id>/tasks")
class Tasks(MethodView):
    @blp.response(200, TaskSchema(many=True))
    @require_roles(*CASE_ROLES)
    def get(self, case_id: str) -> list[dict[str, Any]]:
        """The case's tasks, by due date."""
        why = purpose()
        with service_context().unit_of_work() as uow:
            result = usecases.tasks(uow, current_principal(), why, case_id)
            uow.commit()
        return result

    @blp.arguments(TaskIn)
    @blp.response(201, TaskSchema)
    @require_roles(*CASE_ROLES)
    def post(self, data: dict[str, Any], case_id: str) -> Any:
        why = purpose()
        with service_context().unit_of_work() as uow:
            row = usecases.add_task(uow, current_principal(), why, case_id, data)
            uow.commit()
        return row, 201, etag(row["version"])


@blp.route("/<string:case_id>/tasks/<string:task_id>")
class Task(MethodView):
    @blp.response(200, TaskSchema)
    @require_roles(*CASE_ROLES)
    def get(self, case_id: str, task_id: str) -> Any:
        why = purpose()
        with service_context().unit_of_work() as uow:
            task = usecases.get_task(uow, current_principal(), why, case_id, task_id)
            uow.commit()
        return task, 200, etag(task["version"])

    @blp.arguments(TaskPatch(partial=True))
    @blp.response(200, TaskSchema)
    @blp.alt_response(412, description="The task changed since you read it.")
    @blp.alt_response(428, description="If-Match is missing.")
    @require_roles(*CASE_ROLES)
    def patch(self, data: dict[str, Any], case_id: str, task_id: str) -> Any:
        """Change a task or mark it done; send `If-Match` with its ETag."""
        expected, why = if_match(), purpose()
        with service_context().unit_of_work() as uow:
            row = usecases.update_task(
                uow,
                current_principal(),
                why,
                case_id,
                task_id,
                expected,
                data,
                merged_check=lambda current, change: check_merged(TaskPatch, current, change),
            )
            uow.commit()
        return row, 200, etag(row["version"])
