"""Cases — one pseudonymous young person in one pilot — with their workflow, tasks and timeline.

Client-level data: only admins and the workers and leads of the case's pilot see a case (a case of
another pilot is 404, as if it did not exist); coordinators and integrations never do. Every read
and every change is written to the audit log with its purpose (``X-Purpose``, default
``case_work``). Cases are opened by referrals through intake, never here.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import request
from flask.views import MethodView
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema
from werkzeug.exceptions import NotFound

from services.pilots.api.schemas import Strict
from services.pilots.api.versioned import check_merged
from services.pilots.domain.cases import (
    CLOSING_REASONS,
    DECLINE_REASONS,
    STATES,
    allowed_from,
)
from services.pilots.store import audit, records
from services.pilots.store import cases as store
from services.pilots.store.tables import case_task, case_transition, pilot_case, timeline_entry
from shared.auth import Principal, current_principal, require_roles
from shared.db import UnitOfWork
from shared.http import unprocessable
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

CASE_ROLES = ("admin", "pilot_lead", "pilot_worker")
SUBJECT = validate.And(validate.Length(min=1, max=200), identifier)


class CaseSchema(Schema):
    id = fields.String()
    pilot_id = fields.String()
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
    worker = fields.String(validate=SUBJECT, metadata={"description": "Responsible worker."})
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
        to, why = data.get("to_state"), data.get("closing_reason")
        if to == "closed" and why not in CLOSING_REASONS:
            raise ValidationError(
                f"Closing needs one of: {', '.join(CLOSING_REASONS)}.", "closing_reason"
            )
        if to == "declined" and why not in DECLINE_REASONS:
            raise ValidationError(
                f"Declining needs one of: {', '.join(DECLINE_REASONS)}.", "closing_reason"
            )
        if to not in ("closed", "declined") and why is not None:
            raise ValidationError(
                "Only closing or declining has a closing reason.", "closing_reason"
            )


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
    done = fields.Boolean(dump_only=True)
    done_at = fields.DateTime(dump_only=True, allow_none=True)
    created_by = fields.String(dump_only=True)
    version = fields.Integer(dump_only=True)


# --- scoping and the audit log ----------------------------------------------------------------


def _purpose() -> str:
    purpose = request.headers.get("X-Purpose", "case_work")
    if purpose not in audit.PURPOSES:
        raise unprocessable(
            [{"header": "X-Purpose", "detail": f"One of: {', '.join(audit.PURPOSES)}."}]
        )
    return purpose


def _visible(principal: Principal) -> sa.ColumnElement[bool]:
    if principal.role == "admin":
        return sa.true()
    return pilot_case.c.pilot_id.in_(sorted(principal.pilots))


def _case(uow: UnitOfWork, principal: Principal, case_id: str, action: str) -> dict[str, Any]:
    """The case if the caller may see it (404 otherwise, also for another pilot's case), audited."""
    purpose = _purpose()
    row = (
        uow.session.execute(
            sa.select(pilot_case).where(pilot_case.c.id == case_id, _visible(principal))
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("No such case among your pilots.")
    audit.record(uow.session, principal, action, [dict(row)], purpose)
    return dict(row)


def _ensure_members(
    uow: UnitOfWork,
    found: dict[str, Any],
    data: dict[str, Any],
    names: tuple[str, ...],
    current: dict[str, Any] | None = None,
) -> None:
    """422 naming each field of ``names`` that names someone who is not a member (worker or
    lead) of the case's pilot — a task or a case is never handed to another pilot's worker,
    whose notifications would then point into this pilot's case. ``None`` (no one) and a value
    left as it was (``current``) pass."""
    errors = []
    for name in names:
        subject = data.get(name)
        if subject is None or (current is not None and current.get(name) == subject):
            continue
        if not store.is_member(uow.session, found["pilot_id"], subject):
            errors.append({"pointer": f"#/{name}", "detail": "Not a member of the case's pilot."})
    if errors:
        raise unprocessable(errors)


# --- resources --------------------------------------------------------------------------------


@blp.route("")
class Cases(MethodView):
    @blp.arguments(CaseQuery, location="query")
    @blp.response(200, CasePage)
    @require_roles(*CASE_ROLES)
    def get(self, query: dict[str, Any]) -> Any:
        """The caller's pilots' cases; filter by pilot, state, responsible worker, activity or
        referral date. Each case listed is written to the audit log."""
        principal = current_principal()
        purpose = _purpose()
        stmt = sa.select(pilot_case).where(_visible(principal))
        if "pilot" in query:
            stmt = stmt.where(pilot_case.c.pilot_id == query["pilot"])
        if "state" in query:
            stmt = stmt.where(pilot_case.c.state == query["state"])
        if "worker" in query:
            stmt = stmt.where(pilot_case.c.responsible_worker == query["worker"])
        if "referred_from" in query:
            stmt = stmt.where(pilot_case.c.referred_on >= query["referred_from"])
        if "referred_to" in query:
            stmt = stmt.where(pilot_case.c.referred_on <= query["referred_to"])
        if "activity" in query:
            stmt = stmt.where(
                sa.exists().where(
                    timeline_entry.c.pilot_id == pilot_case.c.pilot_id,
                    timeline_entry.c.key_id == pilot_case.c.key_id,
                    timeline_entry.c.pseudonym == pilot_case.c.pseudonym,
                    timeline_entry.c.summary["activity_id"].astext == query["activity"],
                )
            )
        with service_context().unit_of_work() as uow:
            rows = records.page_rows(
                uow.session, stmt, pilot_case.c.id, query["cursor"], query["limit"]
            )
            audit.record(uow.session, principal, "list", rows[: query["limit"]], purpose)
            uow.commit()
        body, headers = page(rows, query["limit"], "id")
        return body, 200, headers


@blp.route("/<string:case_id>")
class Case(MethodView):
    @blp.response(200, CaseSchema)
    @require_roles(*CASE_ROLES)
    def get(self, case_id: str) -> Any:
        with service_context().unit_of_work() as uow:
            found = _case(uow, current_principal(), case_id, "read")
            uow.commit()
        return found, 200, etag(found["version"])

    @blp.arguments(CasePatch)
    @blp.response(200, CaseSchema)
    @blp.alt_response(412, description="The case changed since you read it.")
    @blp.alt_response(428, description="If-Match is missing.")
    @require_roles(*CASE_ROLES)
    def patch(self, data: dict[str, Any], case_id: str) -> Any:
        """Name the responsible worker; send `If-Match` with the case's ETag."""
        expected = if_match()
        with service_context().unit_of_work() as uow:
            found = _case(uow, current_principal(), case_id, "update")
            _ensure_members(uow, found, data, ("responsible_worker",), current=found)
            row = records.update(uow.session, pilot_case, "id", found["id"], expected, data, "case")
            uow.commit()
        return row, 200, etag(row["version"])


@blp.route("/<string:case_id>/transitions")
class Transitions(MethodView):
    @blp.response(200, TransitionSchema(many=True))
    @require_roles(*CASE_ROLES)
    def get(self, case_id: str) -> list[dict[str, Any]]:
        """Every move of the case: from, to, why, who and when."""
        with service_context().unit_of_work() as uow:
            found = _case(uow, current_principal(), case_id, "read_transitions")
            rows = uow.session.execute(
                sa.select(case_transition)
                .where(case_transition.c.case_id == found["id"])
                .order_by(case_transition.c.id)
            ).mappings()
            result = [dict(r) for r in rows]
            uow.commit()
        return result

    @blp.arguments(TransitionIn)
    @blp.response(201, CaseSchema)
    @blp.alt_response(409, description="The workflow does not allow this move.")
    @require_roles(*CASE_ROLES)
    def post(self, data: dict[str, Any], case_id: str) -> Any:
        """Move the case; the workflow allows only its defined transitions (409 otherwise).
        Publishes `case.transitioned`."""
        principal = current_principal()
        with service_context().unit_of_work() as uow:
            found = _case(uow, principal, case_id, "transition")
            moved = store.transition(
                uow,
                found["id"],
                data["to_state"],
                data["reason"],
                data.get("closing_reason"),
                principal,
            )
            uow.commit()
        return moved, 201, etag(moved["version"])


@blp.route("/<string:case_id>/timeline")
class Timeline(MethodView):
    @blp.response(200, TimelineEntrySchema(many=True))
    @require_roles(*CASE_ROLES)
    def get(self, case_id: str) -> list[dict[str, Any]]:
        """Referral, participations, outcomes and the case's own moves, in time order."""
        with service_context().unit_of_work() as uow:
            found = _case(uow, current_principal(), case_id, "read_timeline")
            entries = store.timeline(uow.session, found)
            uow.commit()
        return entries


@blp.route("/<string:case_id>/tasks")
class Tasks(MethodView):
    @blp.response(200, TaskSchema(many=True))
    @require_roles(*CASE_ROLES)
    def get(self, case_id: str) -> list[dict[str, Any]]:
        """The case's tasks, by due date."""
        with service_context().unit_of_work() as uow:
            found = _case(uow, current_principal(), case_id, "read_tasks")
            rows = uow.session.execute(
                sa.select(case_task)
                .where(case_task.c.case_id == found["id"])
                .order_by(case_task.c.due_on, case_task.c.id)
            ).mappings()
            result = [dict(r) for r in rows]
            uow.commit()
        return result

    @blp.arguments(TaskIn)
    @blp.response(201, TaskSchema)
    @require_roles(*CASE_ROLES)
    def post(self, data: dict[str, Any], case_id: str) -> Any:
        principal = current_principal()
        with service_context().unit_of_work() as uow:
            found = _case(uow, principal, case_id, "add_task")
            _ensure_members(uow, found, data, ("assignee",))
            row = records.create(
                uow.session,
                case_task,
                {"id": str(uuid.uuid4()), "case_id": found["id"], "created_by": principal.subject}
                | data,
                "task",
            )
            uow.commit()
        return row, 201, etag(row["version"])


@blp.route("/<string:case_id>/tasks/<string:task_id>")
class Task(MethodView):
    @blp.response(200, TaskSchema)
    @require_roles(*CASE_ROLES)
    def get(self, case_id: str, task_id: str) -> Any:
        with service_context().unit_of_work() as uow:
            found = _case(uow, current_principal(), case_id, "read_tasks")
            task = _task(uow, found, task_id)
            uow.commit()
        return task, 200, etag(task["version"])

    @blp.arguments(TaskPatch(partial=True))
    @blp.response(200, TaskSchema)
    @blp.alt_response(412, description="The task changed since you read it.")
    @blp.alt_response(428, description="If-Match is missing.")
    @require_roles(*CASE_ROLES)
    def patch(self, data: dict[str, Any], case_id: str, task_id: str) -> Any:
        """Change a task or mark it done; send `If-Match` with its ETag."""
        expected = if_match()
        with service_context().unit_of_work() as uow:
            found = _case(uow, current_principal(), case_id, "update_task")
            current = _task(uow, found, task_id)
            check_merged(TaskPatch, current, data)
            _ensure_members(uow, found, data, ("assignee",), current=current)
            if "done" in data:
                data = data | {"done_at": datetime.now(UTC) if data["done"] else None}
            row = records.update(uow.session, case_task, "id", task_id, expected, data, "task")
            uow.commit()
        return row, 200, etag(row["version"])


def _task(uow: UnitOfWork, found: dict[str, Any], task_id: str) -> dict[str, Any]:
    task = records.get(uow.session, case_task, "id", task_id, "task")
    if task["case_id"] != found["id"]:
        raise NotFound("No such task in this case.")
    return task
