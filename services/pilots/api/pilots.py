"""Pilots, their innovation lifecycle and its evidence."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask.views import MethodView
from werkzeug.exceptions import Conflict

from services.pilots.api.access import PILOT_MANAGERS, READERS, ensure_manages
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
from services.pilots.api.versioned import check_merged
from services.pilots.domain.lifecycle import allowed_next, can_move
from services.pilots.store import pilots as store
from services.pilots.store.tables import pilot, pilot_partner, pilot_region
from shared import records
from shared.auth import current_principal, require_roles
from shared.resources import etag, if_match, page, page_schema
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
        stmt = sa.select(pilot)
        if "region" in query:
            stmt = stmt.where(
                pilot.c.id.in_(
                    sa.select(pilot_region.c.pilot_id).where(
                        pilot_region.c.region_code == query["region"]
                    )
                )
            )
        if "phase" in query:
            stmt = stmt.where(pilot.c.phase == query["phase"])
        if "organisation" in query:
            org = query["organisation"]
            stmt = stmt.where(
                sa.or_(
                    pilot.c.lead_organisation_id == org,
                    pilot.c.id.in_(
                        sa.select(pilot_partner.c.pilot_id).where(
                            pilot_partner.c.organisation_id == org
                        )
                    ),
                )
            )
        if "active" in query:
            stmt = stmt.where(pilot.c.active == query["active"])
        with service_context().unit_of_work() as uow:
            rows = records.page_rows(uow.session, stmt, pilot.c.id, query["cursor"], query["limit"])
            # The extra row only tells that there is a next page.
            limit = query["limit"]
            rows = store.with_relations(uow.session, rows[:limit]) + rows[limit:]
        body, headers = page(rows, query["limit"], "id")
        return body, 200, headers

    @blp.arguments(PilotIn)
    @blp.response(201, PilotSchema)
    @require_roles("admin")
    def post(self, data: dict[str, Any]) -> Any:
        """Create a pilot (admins). It starts in the lifecycle phase `idea`."""
        with service_context().unit_of_work() as uow:
            created = store.create_pilot(uow, data)
            uow.commit()
        return created, 201, etag(created["version"]) | {"Location": f"/v1/pilots/{created['id']}"}


@blp.route("/<string:pilot_id>")
class Pilot(MethodView):
    @blp.response(200, PilotSchema)
    @require_roles(*READERS)
    def get(self, pilot_id: str) -> Any:
        with service_context().unit_of_work() as uow:
            found = store.get_pilot(uow.session, pilot_id)
        return found, 200, etag(found["version"])

    @blp.arguments(PilotPatch(partial=True))
    @blp.response(200, PilotSchema)
    @blp.alt_response(412, description="The pilot changed since you read it.")
    @blp.alt_response(428, description="If-Match is missing.")
    @require_roles(*PILOT_MANAGERS)
    def patch(self, data: dict[str, Any], pilot_id: str) -> Any:
        """Change a pilot (admins, and the pilot's leads); send `If-Match` with its ETag. Lists
        (partners, regions, members) are replaced whole."""
        ensure_manages(current_principal(), pilot_id)
        expected = if_match()
        with service_context().unit_of_work() as uow:
            current = store.get_pilot(uow.session, pilot_id)
            check_merged(PilotPatch, current, data)
            updated = store.update_pilot(uow, pilot_id, expected, data)
            uow.commit()
        return updated, 200, etag(updated["version"])


@blp.route("/<string:pilot_id>/lifecycle")
class Lifecycle(MethodView):
    @blp.response(200, LifecycleSchema)
    @require_roles(*READERS)
    def get(self, pilot_id: str) -> dict[str, Any]:
        """The innovation's phase, the phases it may move to, its dated history and evidence."""
        with service_context().unit_of_work() as uow:
            found = records.get(uow.session, pilot, "id", pilot_id, "pilot")
            history, evidence = store.lifecycle(uow.session, pilot_id)
        return {
            "pilot_id": pilot_id,
            "phase": found["phase"],
            "allowed_next": list(allowed_next(found["phase"])),
            "history": history,
            "evidence": evidence,
        }


@blp.route("/<string:pilot_id>/lifecycle/changes")
class PhaseChanges(MethodView):
    @blp.arguments(PhaseChangeIn)
    @blp.response(201, PhaseChangeSchema)
    @blp.alt_response(409, description="The lifecycle does not allow this change.")
    @require_roles(*PILOT_MANAGERS)
    def post(self, data: dict[str, Any], pilot_id: str) -> Any:
        """Move the innovation to its next phase, or end it (`discontinued`); dated, with a
        reason. Publishes `lifecycle.phase_changed`."""
        principal = current_principal()
        ensure_manages(principal, pilot_id)
        with service_context().unit_of_work() as uow:
            current = store.get_pilot(uow.session, pilot_id)
            if not can_move(current["phase"], data["to_phase"]):
                allowed = ", ".join(allowed_next(current["phase"])) or "none: the phase is final"
                raise Conflict(
                    f"A pilot in phase {current['phase']} cannot move to {data['to_phase']} "
                    f"(allowed: {allowed})."
                )
            change = store.change_phase(uow, current, data, principal.subject)
            uow.commit()
        return change, 201


@blp.route("/<string:pilot_id>/evidence")
class Evidence(MethodView):
    @blp.arguments(EvidenceIn)
    @blp.response(201, EvidenceSchema)
    @require_roles(*PILOT_MANAGERS)
    def post(self, data: dict[str, Any], pilot_id: str) -> Any:
        """Record what was learnt, an evaluation result, or where the model is described."""
        principal = current_principal()
        ensure_manages(principal, pilot_id)
        with service_context().unit_of_work() as uow:
            records.get(uow.session, pilot, "id", pilot_id, "pilot")
            row = store.add_evidence(uow.session, pilot_id, data, principal.subject)
            uow.commit()
        return row, 201
