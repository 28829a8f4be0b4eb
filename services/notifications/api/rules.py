"""The rules (admins): which event tells whom, and switching a rule off or on again."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask.views import MethodView

from services.notifications.api.schemas import RuleIn, RuleSchema
from services.notifications.usecases import rules
from shared.auth import current_principal, require_roles
from shared.resources import etag, if_match
from shared.service import ApiBlueprint as Blueprint
from shared.service import service_context

blp = Blueprint(
    "rules",
    __name__,
    url_prefix="/v1/rules",
    description="The notification rules and whether each is on.",
)


@blp.route("")
class Rules(MethodView):
    @blp.response(200, RuleSchema(many=True))
    @require_roles("admin")
    def get(self) -> list[dict[str, Any]]:
        """Every rule, on unless an admin switched it off."""
        with service_context().unit_of_work() as uow:
            return rules.list_rules(current_principal(), uow)


@blp.route("/<string:event_type>")
class RuleResource(MethodView):
    @blp.response(200, RuleSchema)
    @require_roles("admin")
    def get(self, event_type: str) -> Response:
        """One rule, with its version as the `ETag`."""
        with service_context().unit_of_work() as uow:
            shown = rules.get_rule(current_principal(), uow, event_type)
        return _answer(shown)

    @blp.arguments(RuleIn)
    @blp.response(200, RuleSchema)
    @blp.alt_response(412, description="The rule was switched since you read it.")
    @blp.alt_response(428, description="If-Match is missing.")
    @require_roles("admin")
    def put(self, data: dict[str, Any], event_type: str) -> Response:
        """Switch a rule off (`enabled: false`) or on, with `If-Match` naming the version read
        (`"0"` for a rule never switched); events that arrive while it is off tell no one and
        are not told later."""
        with service_context().unit_of_work() as uow:
            shown = rules.switch_rule(
                current_principal(), uow, event_type, data["enabled"], if_match
            )
        return _answer(shown)


def _answer(shown: dict[str, Any]) -> Response:
    response = jsonify(RuleSchema().dump(shown))
    response.headers.update(etag(shown["version"]))
    return response
