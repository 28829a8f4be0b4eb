"""The coordinators' anonymised aggregates: published tables of distinct young people, as JSON or
CSV, every figure under disclosure control (``domain/disclosure.py``); and the ESF+ participant
indicators. Coordinators and admins see every pilot; a pilot's leads see their own pilot, under
the same rules (``usecases/aggregates.py``). Nobody gets a single young person here."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Response, current_app, request
from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validate, validates

from services.pilots.domain.aggregates import InvalidPeriod, period_months
from services.pilots.domain.disclosure import TOTAL
from services.pilots.usecases import aggregates as usecases
from services.pilots.usecases.aggregates import INDICATORS, VIEWERS
from shared.auth import current_principal, require_roles
from shared.csv_cells import csv_row
from shared.reference.regions import region_codes
from shared.service import ApiBlueprint as Blueprint
from shared.service import service_context
from shared.validation import StrictSchema, identifier

blp = Blueprint(
    "aggregates",
    __name__,
    url_prefix="/v1/aggregates",
    description="Anonymised aggregates for coordinators, under disclosure control.",
)


class TableQuery(StrictSchema):
    period = fields.String(
        required=True,
        metadata={"description": "A month (2026-07), a quarter (2026-Q3) or a year (2026)."},
    )
    pilot = fields.String(validate=validate.And(validate.Length(min=1, max=63), identifier))
    region = fields.String(validate=validate.OneOf(sorted(region_codes())))

    @validates("period")
    def _period(self, value: str, **_: Any) -> None:
        try:
            period_months(value)
        except InvalidPeriod as exc:
            raise ValidationError(str(exc)) from None


class TableInfo(Schema):
    name = fields.String()
    title = fields.String()
    dimensions = fields.List(fields.String())


class CellSchema(Schema):
    dimensions = fields.Dict(
        metadata={"description": f"Each dimension's value; `{TOTAL}` is the total over it."}
    )
    value = fields.Integer(allow_none=True)
    suppressed = fields.String(
        allow_none=True, metadata={"description": "`primary` (too few) or `secondary`."}
    )


class TableResult(Schema):
    table = fields.String()
    title = fields.String()
    period = fields.String()
    filters = fields.Dict()
    threshold = fields.Integer()
    disclosure_control = fields.String()
    cells = fields.List(fields.Nested(CellSchema))


class IndicatorRow(Schema):
    pilot = fields.String(metadata={"description": "A pilot, or `programme` for all pilots."})
    participants = fields.Integer(allow_none=True)
    women = fields.Integer(allow_none=True)
    men = fields.Integer(allow_none=True)
    non_binary = fields.Integer(allow_none=True)
    aged_below_18 = fields.Integer(allow_none=True)
    aged_18_29 = fields.Integer(allow_none=True)


class IndicatorsResult(Schema):
    period = fields.String()
    threshold = fields.Integer()
    disclosure_control = fields.String()
    indicators = fields.List(
        fields.Dict(),
        metadata={
            "description": "Per pilot and for the programme: the indicators of IndicatorRow, "
            "each suppressed one with `<name>_suppressed` giving the reason."
        },
    )


def _csv(header: list[str], rows: Iterable[list[Any]], filename: str) -> Response:
    """A CSV download; an empty field where a figure is suppressed. Cells go through the
    project's CSV cell neutraliser (``shared.csv_cells``): a pilot id that would start a formula
    is written as text; the figures (counts, never negative) are written as numbers."""
    return Response(
        "".join(map(csv_row, (header, *rows))),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _wants_csv() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/csv"])
    return best == "text/csv"


def _figures() -> tuple[Any, int]:
    """The roll-up index the app was built with, and the disclosure threshold."""
    return current_app.extensions["rollup_index"], service_context().settings.disclosure_threshold


@blp.route("/tables")
class Tables(MethodView):
    @blp.response(200, TableInfo(many=True))
    @require_roles(*VIEWERS)
    def get(self) -> list[dict[str, Any]]:
        """The published tables and their dimensions."""
        return usecases.list_tables()


@blp.route("/indicators")
class Indicators(MethodView):
    @blp.arguments(TableQuery, location="query")
    @blp.response(200, IndicatorsResult)
    @require_roles(*VIEWERS)
    def get(self, query: dict[str, Any]) -> Any:
        """The ESF+ participant indicators (Regulation (EU) 2021/1057, Annex I) that this data
        supports — participants in total, women, men, non-binary, below 18, aged 18–29 — per
        pilot and for the whole programme, under the same disclosure control."""
        index, threshold = _figures()
        result = usecases.indicators(current_principal(), index, threshold, query)
        if _wants_csv():
            return _csv(
                ["pilot", *INDICATORS],
                ([row["pilot"], *(row.get(n) for n in INDICATORS)] for row in result["indicators"]),
                f"esf-indicators-{query['period']}.csv",
            )
        return result


@blp.route("/<string:table_name>")
class Table(MethodView):
    @blp.arguments(TableQuery, location="query")
    @blp.response(200, TableResult)
    @blp.alt_response(200, description="The same as CSV with `Accept: text/csv`.")
    @require_roles(*VIEWERS)
    def get(self, query: dict[str, Any], table_name: str) -> Any:
        """One published table for a period, optionally for one pilot or region: every cell with
        its value or a suppression marker and reason; row, column and grand totals included."""
        index, threshold = _figures()
        table, result = usecases.table(current_principal(), index, threshold, table_name, query)
        if _wants_csv():
            return _csv(
                [*table.dimensions, "value", "suppressed"],
                (
                    [*(c["dimensions"][d] for d in table.dimensions), c["value"], c["suppressed"]]
                    for c in result["cells"]
                ),
                f"{table.name}-{query['period']}.csv",
            )
        return result
