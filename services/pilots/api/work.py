"""My work: the caller's tasks across their cases and the counts of their dashboard.

``GET /v1/tasks`` lists tasks of the caller's pilots' cases — ``assigned=me``, ``due=today``
(Helsinki's day), ``overdue=true``, ``open=true`` — each task's case audited like any list of
cases. ``GET /v1/my-work`` gives the dashboard's counts in one call: no case is read, so nothing
is audited; each count links to the list that shows it (the web UI's routes, ``shared/ui_routes``).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from services.pilots.api.cases import SUBJECT, TaskSchema, purpose
from services.pilots.usecases import cases as usecases
from services.pilots.usecases.cases import CASE_ROLES
from shared.auth import current_principal, require_roles
from shared.resources import PageQuery, page, page_schema
from shared.service import ApiBlueprint as Blueprint
from shared.service import service_context
from shared.validation import identifier

blp = Blueprint(
    "work",
    __name__,
    url_prefix="/v1",
    description="My work: tasks across the caller's cases, and the dashboard's counts.",
)


class TaskListItem(TaskSchema):
    pass


TaskPage = page_schema("TaskPage", TaskListItem)


class TaskQuery(PageQuery):
    assigned = fields.String(
        validate=SUBJECT, metadata={"description": "The assignee; `me` is the caller."}
    )
    pilot = fields.String(validate=validate.And(validate.Length(min=1, max=63), identifier))
    due = fields.String(
        validate=validate.OneOf(["today"]),
        metadata={"description": "`today`: open tasks due today (Helsinki time)."},
    )
    due_on = fields.Date(metadata={"description": "Open tasks due on this day."})
    overdue = fields.Boolean(metadata={"description": "true: open tasks past their due date."})
    open = fields.Boolean(metadata={"description": "true: not done; false: done."})


@blp.route("/tasks")
class Tasks(MethodView):
    @blp.arguments(TaskQuery, location="query")
    @blp.response(200, TaskPage)
    @require_roles(*CASE_ROLES)
    def get(self, query: dict[str, Any]) -> Any:
        """Tasks of the caller's pilots' cases, by due date; filter by assignee (`me`), pilot,
        due today, due on a day, overdue, open."""
        why = purpose()
        with service_context().unit_of_work() as uow:
            rows = usecases.list_tasks(uow, current_principal(), why, query)
            uow.commit()
        body, headers = page(rows, query["limit"], "sort_key")
        return body, 200, headers


class MyWorkSchema(Schema):
    tasks_due_today = fields.Integer(metadata={"description": "/tasks?assigned=me&due=today"})
    tasks_overdue = fields.Integer(metadata={"description": "/tasks?assigned=me&overdue=true"})
    tasks_open = fields.Integer(metadata={"description": "/tasks?assigned=me&open=true"})
    idle_cases = fields.Integer(metadata={"description": "/cases?responsible=me&idle=true"})
    new_referrals = fields.Integer(metadata={"description": "/cases?state=referred"})
    responsible_cases = fields.Integer(metadata={"description": "/cases?responsible=me&open=true"})


@blp.route("/my-work")
class MyWork(MethodView):
    @blp.response(200, MyWorkSchema)
    @require_roles(*CASE_ROLES)
    def get(self) -> dict[str, Any]:
        """The caller's dashboard: tasks due today, overdue and open, idle cases they are
        responsible for, new referrals to their pilots, their open cases."""
        why = purpose()
        with service_context().unit_of_work() as uow:
            counts = usecases.my_work(uow, current_principal(), why)
        return asdict(counts)
