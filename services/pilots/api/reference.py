"""Regions, organisations and the outcome instrument catalogue."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask.views import MethodView

from services.pilots.api import versioned
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
from services.pilots.store.pilots import instrument_event
from services.pilots.store.tables import instrument, organisation, region
from shared import records
from shared.auth import require_roles
from shared.resources import PageQuery, page, page_schema
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
        with service_context().engine.connect() as connection:
            return [
                dict(r)
                for r in connection.execute(sa.select(region).order_by(region.c.code)).mappings()
            ]


@blp.route("/organisations")
class Organisations(MethodView):
    @blp.arguments(OrganisationQuery, location="query")
    @blp.response(200, OrganisationPage)
    @require_roles(*READERS)
    def get(self, query: dict[str, Any]) -> Any:
        """Organisations, by id; filter by type or region."""
        stmt = sa.select(organisation)
        if "type" in query:
            stmt = stmt.where(organisation.c.type == query["type"])
        if "region" in query:
            stmt = stmt.where(organisation.c.region_code == query["region"])
        with service_context().unit_of_work() as uow:
            rows = records.page_rows(
                uow.session, stmt, organisation.c.id, query["cursor"], query["limit"]
            )
        body, headers = page(rows, query["limit"], "id")
        return body, 200, headers

    @blp.arguments(OrganisationIn)
    @blp.response(201, OrganisationSchema)
    @require_roles("admin")
    def post(self, data: dict[str, Any]) -> Any:
        """Register an organisation (admins)."""
        return versioned.create(organisation, data, "organisation", "/v1/organisations")


@blp.route("/organisations/<string:organisation_id>")
class Organisation(MethodView):
    @blp.response(200, OrganisationSchema)
    @require_roles(*READERS)
    def get(self, organisation_id: str) -> Any:
        return versioned.read(organisation, "id", organisation_id, "organisation")

    @blp.arguments(OrganisationPatch(partial=True))
    @blp.response(200, OrganisationSchema)
    @blp.alt_response(412, description="The organisation changed since you read it.")
    @blp.alt_response(428, description="If-Match is missing.")
    @require_roles("admin")
    def patch(self, data: dict[str, Any], organisation_id: str) -> Any:
        """Change an organisation (admins); send `If-Match` with its ETag."""
        return versioned.patch(
            organisation, "id", organisation_id, "organisation", OrganisationPatch, data
        )


@blp.route("/instruments")
class Instruments(MethodView):
    @blp.arguments(PageQuery, location="query")
    @blp.response(200, InstrumentPage)
    @require_roles(*READERS)
    def get(self, query: dict[str, Any]) -> Any:
        """The outcome instruments, by code."""
        with service_context().unit_of_work() as uow:
            rows = records.page_rows(
                uow.session,
                sa.select(instrument),
                instrument.c.code,
                query["cursor"],
                query["limit"],
            )
        body, headers = page(rows, query["limit"], "code")
        return body, 200, headers

    @blp.arguments(InstrumentIn)
    @blp.response(201, InstrumentSchema)
    @require_roles("admin")
    def post(self, data: dict[str, Any]) -> Any:
        """Add an instrument to the catalogue (admins); intake accepts outcomes for it."""
        return versioned.create(
            instrument, data, "instrument", "/v1/instruments", event=instrument_event
        )


@blp.route("/instruments/<string:code>")
class Instrument(MethodView):
    @blp.response(200, InstrumentSchema)
    @require_roles(*READERS)
    def get(self, code: str) -> Any:
        return versioned.read(instrument, "code", code, "instrument")

    @blp.arguments(InstrumentPatch(partial=True))
    @blp.response(200, InstrumentSchema)
    @blp.alt_response(412, description="The instrument changed since you read it.")
    @blp.alt_response(428, description="If-Match is missing.")
    @require_roles("admin")
    def patch(self, data: dict[str, Any], code: str) -> Any:
        """Change an instrument (admins); send `If-Match` with its ETag."""
        return versioned.patch(
            instrument, "code", code, "instrument", InstrumentPatch, data, event=instrument_event
        )
