"""Activities of a pilot: what young people take part in, one-off or recurring, where, for how
many, run by which workers. Each is published (`activity.published`) so that intake checks
participation against it."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from flask.views import MethodView

from services.pilots.api import versioned
from services.pilots.api.access import PILOT_MANAGERS, READERS, ensure_manages
from services.pilots.api.schemas import ActivityIn, ActivityPatch, ActivityQuery, ActivitySchema
from services.pilots.store.pilots import activity_event
from services.pilots.store.tables import activity, pilot
from shared import records
from shared.auth import current_principal, require_roles
from shared.resources import page, page_schema
from shared.service import ApiBlueprint as Blueprint
from shared.service import service_context

blp = Blueprint(
    "activities",
    __name__,
    url_prefix="/v1/activities",
    description="What young people take part in, in each pilot.",
)

ActivityPage = page_schema("ActivityPage", ActivitySchema)


@blp.route("")
class Activities(MethodView):
    @blp.arguments(ActivityQuery, location="query")
    @blp.response(200, ActivityPage)
    @require_roles(*READERS)
    def get(self, query: dict[str, Any]) -> Any:
        """Activities, by id; filter by pilot, type, worker, start time or whether active."""
        stmt = sa.select(activity)
        if "pilot" in query:
            stmt = stmt.where(activity.c.pilot_id == query["pilot"])
        if "activity_type" in query:
            stmt = stmt.where(activity.c.activity_type == query["activity_type"])
        if "worker" in query:
            stmt = stmt.where(sa.literal(query["worker"]) == sa.any_(activity.c.workers))
        if "starts_from" in query:
            stmt = stmt.where(activity.c.starts_at >= query["starts_from"])
        if "starts_before" in query:
            stmt = stmt.where(activity.c.starts_at < query["starts_before"])
        if "active" in query:
            stmt = stmt.where(activity.c.active == query["active"])
        with service_context().unit_of_work() as uow:
            rows = records.page_rows(
                uow.session, stmt, activity.c.id, query["cursor"], query["limit"]
            )
        body, headers = page(rows, query["limit"], "id")
        return body, 200, headers

    @blp.arguments(ActivityIn)
    @blp.response(201, ActivitySchema)
    @require_roles(*PILOT_MANAGERS)
    def post(self, data: dict[str, Any]) -> Any:
        """Add an activity to a pilot (admins, and the pilot's leads)."""
        ensure_manages(current_principal(), data["pilot_id"])
        return versioned.create(
            activity,
            {"id": data.get("id") or str(uuid.uuid4())} | data,
            "activity",
            "/v1/activities",
            event=activity_event,
            check=lambda session: records.get(session, pilot, "id", data["pilot_id"], "pilot"),
        )


@blp.route("/<string:activity_id>")
class Activity(MethodView):
    @blp.response(200, ActivitySchema)
    @require_roles(*READERS)
    def get(self, activity_id: str) -> Any:
        return versioned.read(activity, "id", activity_id, "activity")

    @blp.arguments(ActivityPatch(partial=True))
    @blp.response(200, ActivitySchema)
    @blp.alt_response(412, description="The activity changed since you read it.")
    @blp.alt_response(428, description="If-Match is missing.")
    @require_roles(*PILOT_MANAGERS)
    def patch(self, data: dict[str, Any], activity_id: str) -> Any:
        """Change an activity (admins, and its pilot's leads); send `If-Match` with its ETag."""
        principal = current_principal()
        return versioned.patch(
            activity,
            "id",
            activity_id,
            "activity",
            ActivityPatch,
            data,
            event=activity_event,
            authorize=lambda current: ensure_manages(principal, current["pilot_id"]),
        )
