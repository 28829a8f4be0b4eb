"""Activities of a pilot: what young people take part in, one-off or recurring, where, for how
many, run by which workers (``usecases/activities.py``). Each is published
(`activity.published`) so that intake checks participation against it."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from services.pilots.api.access import PILOT_MANAGERS, READERS
from services.pilots.api.schemas import ActivityIn, ActivityPatch, ActivityQuery, ActivitySchema
from services.pilots.api.versioned import created, found, merged_check
from services.pilots.usecases import activities as usecases
from shared.auth import current_principal, require_roles
from shared.resources import if_match, page, page_schema
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
        with service_context().unit_of_work() as uow:
            rows = usecases.list_activities(uow, current_principal(), query)
        body, headers = page(rows, query["limit"], "id")
        return body, 200, headers

    @blp.arguments(ActivityIn)
    @blp.response(201, ActivitySchema)
    @require_roles(*PILOT_MANAGERS)
    def post(self, data: dict[str, Any]) -> Any:
        """Add an activity to a pilot (admins, and the pilot's leads)."""
        with service_context().unit_of_work() as uow:
            row = usecases.create_activity(uow, current_principal(), data)
            uow.commit()
        return created(row, f"/v1/activities/{row['id']}")


@blp.route("/<string:activity_id>")
class Activity(MethodView):
    @blp.response(200, ActivitySchema)
    @require_roles(*READERS)
    def get(self, activity_id: str) -> Any:
        with service_context().unit_of_work() as uow:
            row = usecases.get_activity(uow, current_principal(), activity_id)
        return found(row)

    @blp.arguments(ActivityPatch(partial=True))
    @blp.response(200, ActivitySchema)
    @blp.alt_response(412, description="The activity changed since you read it.")
    @blp.alt_response(428, description="If-Match is missing.")
    @require_roles(*PILOT_MANAGERS)
    def patch(self, data: dict[str, Any], activity_id: str) -> Any:
        """Change an activity (admins, and its pilot's leads); send `If-Match` with its ETag."""
        expected = if_match()
        with service_context().unit_of_work() as uow:
            row = usecases.update_activity(
                uow,
                current_principal(),
                activity_id,
                expected,
                data,
                check=merged_check(ActivityPatch),
            )
            uow.commit()
        return found(row)
