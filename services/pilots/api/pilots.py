"""Pilots, their innovation lifecycle and its evidence (``usecases/pilots.py``)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from services.pilots.api.access import PILOT_MANAGERS, READERS
from services.pilots.api.schemas import (
    EvidenceIn,
    EvidenceSchema,
    LifecycleSchema,
    PhaseChangeIn,
    PhaseChangeSchema,
    PilotIn,
    PilotPatch,
    PilotQuery,
    PilotSchema,
)
from services.pilots.api.versioned import created, found, merged_check
from services.pilots.usecases import pilots as usecases
from shared.auth import current_principal, require_roles
from shared.resources import if_match, page, page_schema
from shared.service import ApiBlueprint as Blueprint
from shared.service import service_context

blp = Blueprint(
    "pilots",
    __name__,
    url_prefix="/v1/pilots",
    description="Pilots: who runs them, where, and how their social innovation matures.",
)

PilotPage = page_schema("PilotPage", PilotSchema)


@blp.route("")
class Pilots(MethodView):
    @blp.arguments(PilotQuery, location="query")
    @blp.response(200, PilotPage)
    @require_roles(*READERS)
    def get(self, query: dict[str, Any]) -> Any:
        """Pilots, by id; filter by region, lifecycle phase, organisation (lead or partner) or
        whether they are active."""
        with service_context().unit_of_work() as uow:
            rows = usecases.list_pilots(uow, current_principal(), query)
        body, headers = page(rows, query["limit"], "id")
        return body, 200, headers

    @blp.arguments(PilotIn)
    @blp.response(201, PilotSchema)
    @require_roles("admin")
    def post(self, data: dict[str, Any]) -> Any:
        """Create a pilot (admins). It starts in the lifecycle phase `idea`."""
        with service_context().unit_of_work() as uow:
            row = usecases.create_pilot(uow, current_principal(), data)
            uow.commit()
        return created(row, f"/v1/pilots/{row['id']}")


@blp.route("/<string:pilot_id>")
class Pilot(MethodView):
    @blp.response(200, PilotSchema)
    @require_roles(*READERS)
    def get(self, pilot_id: str) -> Any:
        with service_context().unit_of_work() as uow:
            row = usecases.get_pilot(uow, current_principal(), pilot_id)
        return found(row)

    @blp.arguments(PilotPatch(partial=True))
    @blp.response(200, PilotSchema)
    @blp.alt_response(412, description="The pilot changed since you read it.")
    @blp.alt_response(428, description="If-Match is missing.")
    @require_roles(*PILOT_MANAGERS)
    def patch(self, data: dict[str, Any], pilot_id: str) -> Any:
        """Change a pilot (admins, and the pilot's leads); send `If-Match` with its ETag. Lists
        (partners, regions, members) are replaced whole."""
        with service_context().unit_of_work() as uow:
            row = usecases.update_pilot(
                uow,
                current_principal(),
                pilot_id,
                if_match,
                data,
                check=merged_check(PilotPatch),
            )
            uow.commit()
        return found(row)


@blp.route("/<string:pilot_id>/lifecycle")
class Lifecycle(MethodView):
    @blp.response(200, LifecycleSchema)
    @require_roles(*READERS)
    def get(self, pilot_id: str) -> dict[str, Any]:
        """The innovation's phase, the phases it may move to, its dated history and evidence."""
        with service_context().unit_of_work() as uow:
            return usecases.lifecycle(uow, current_principal(), pilot_id)


@blp.route("/<string:pilot_id>/lifecycle/changes")
class PhaseChanges(MethodView):
    @blp.arguments(PhaseChangeIn)
    @blp.response(201, PhaseChangeSchema)
    @blp.alt_response(409, description="The lifecycle does not allow this change.")
    @require_roles(*PILOT_MANAGERS)
    def post(self, data: dict[str, Any], pilot_id: str) -> Any:
        """Move the innovation to its next phase, or end it (`discontinued`); dated, with a
        reason. Publishes `lifecycle.phase_changed`."""
        with service_context().unit_of_work() as uow:
            change = usecases.change_phase(uow, current_principal(), pilot_id, data)
            uow.commit()
        return change, 201


@blp.route("/<string:pilot_id>/evidence")
class Evidence(MethodView):
    @blp.arguments(EvidenceIn)
    @blp.response(201, EvidenceSchema)
    @require_roles(*PILOT_MANAGERS)
    def post(self, data: dict[str, Any], pilot_id: str) -> Any:
        """Record what was learnt, an evaluation result, or where the model is described."""
        with service_context().unit_of_work() as uow:
            row = usecases.add_evidence(uow, current_principal(), pilot_id, data)
            uow.commit()
        return row, 201
