"""Regions, organisations and the outcome instrument catalogue (``usecases/reference.py``)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from services.pilots.api.access import READERS
from services.pilots.api.schemas import (
    InstrumentIn,
    InstrumentPatch,
    InstrumentSchema,
    OrganisationIn,
    OrganisationPatch,
    OrganisationQuery,
    OrganisationSchema,
    RegionSchema,
)
from services.pilots.api.versioned import created, found, merged_check
from services.pilots.usecases import reference as usecases
from shared.auth import current_principal, require_roles
from shared.resources import PageQuery, if_match, page, page_schema
from shared.service import ApiBlueprint as Blueprint
from shared.service import service_context

blp = Blueprint(
    "reference",
    __name__,
    url_prefix="/v1",
    description="Regions, organisations and the outcome instrument catalogue.",
)

OrganisationPage = page_schema("OrganisationPage", OrganisationSchema)
InstrumentPage = page_schema("InstrumentPage", InstrumentSchema)


@blp.route("/regions")
class Regions(MethodView):
    @blp.response(200, RegionSchema(many=True))
    @require_roles(*READERS)
    def get(self) -> list[dict[str, Any]]:
        """The 21 wellbeing services counties, the City of Helsinki and Åland."""
        with service_context().unit_of_work() as uow:
            return usecases.list_regions(uow, current_principal())


@blp.route("/organisations")
class Organisations(MethodView):
    @blp.arguments(OrganisationQuery, location="query")
    @blp.response(200, OrganisationPage)
    @require_roles(*READERS)
    def get(self, query: dict[str, Any]) -> Any:
        """Organisations, by id; filter by type or region."""
        with service_context().unit_of_work() as uow:
            rows = usecases.list_organisations(uow, current_principal(), query)
        body, headers = page(rows, query["limit"], "id")
        return body, 200, headers

    @blp.arguments(OrganisationIn)
    @blp.response(201, OrganisationSchema)
    @require_roles("admin")
    def post(self, data: dict[str, Any]) -> Any:
        """Register an organisation (admins)."""
        with service_context().unit_of_work() as uow:
            row = usecases.create_organisation(uow, current_principal(), data)
            uow.commit()
        return created(row, f"/v1/organisations/{row['id']}")


@blp.route("/organisations/<string:organisation_id>")
class Organisation(MethodView):
    @blp.response(200, OrganisationSchema)
    @require_roles(*READERS)
    def get(self, organisation_id: str) -> Any:
        with service_context().unit_of_work() as uow:
            row = usecases.get_organisation(uow, current_principal(), organisation_id)
        return found(row)

    @blp.arguments(OrganisationPatch(partial=True))
    @blp.response(200, OrganisationSchema)
    @blp.alt_response(412, description="The organisation changed since you read it.")
    @blp.alt_response(428, description="If-Match is missing.")
    @require_roles("admin")
    def patch(self, data: dict[str, Any], organisation_id: str) -> Any:
        """Change an organisation (admins); send `If-Match` with its ETag."""
        expected = if_match()
        with service_context().unit_of_work() as uow:
            row = usecases.update_organisation(
                uow,
                current_principal(),
                organisation_id,
                expected,
                data,
                check=merged_check(OrganisationPatch),
            )
            uow.commit()
        return found(row)


@blp.route("/instruments")
class Instruments(MethodView):
    @blp.arguments(PageQuery, location="query")
    @blp.response(200, InstrumentPage)
    @require_roles(*READERS)
    def get(self, query: dict[str, Any]) -> Any:
        """The outcome instruments, by code."""
        with service_context().unit_of_work() as uow:
            rows = usecases.list_instruments(uow, current_principal(), query)
        body, headers = page(rows, query["limit"], "code")
        return body, 200, headers

    @blp.arguments(InstrumentIn)
    @blp.response(201, InstrumentSchema)
    @require_roles("admin")
    def post(self, data: dict[str, Any]) -> Any:
        """Add an instrument to the catalogue (admins); intake accepts outcomes for it."""
        with service_context().unit_of_work() as uow:
            row = usecases.create_instrument(uow, current_principal(), data)
            uow.commit()
        return created(row, f"/v1/instruments/{row['code']}")


@blp.route("/instruments/<string:code>")
class Instrument(MethodView):
    @blp.response(200, InstrumentSchema)
    @require_roles(*READERS)
    def get(self, code: str) -> Any:
        with service_context().unit_of_work() as uow:
            row = usecases.get_instrument(uow, current_principal(), code)
        return found(row)

    @blp.arguments(InstrumentPatch(partial=True))
    @blp.response(200, InstrumentSchema)
    @blp.alt_response(412, description="The instrument changed since you read it.")
    @blp.alt_response(428, description="If-Match is missing.")
    @require_roles("admin")
    def patch(self, data: dict[str, Any], code: str) -> Any:
        """Change an instrument (admins); send `If-Match` with its ETag."""
        expected = if_match()
        with service_context().unit_of_work() as uow:
            row = usecases.update_instrument(
                uow, current_principal(), code, expected, data, check=merged_check(InstrumentPatch)
            )
            uow.commit()
        return found(row)
