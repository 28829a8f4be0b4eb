"""The rules (admins): which event tells whom, and switching a rule off or on again."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask.views import MethodView
from werkzeug.exceptions import NotFound

from services.notifications.api.schemas import RuleIn, RuleSchema
from services.notifications.domain.rules import RULES, Rule
from services.notifications.store import directory
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


def _shown(rule: Rule, setting: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "event_type": rule.event_type,
        "description": rule.description,
        "template": rule.template,
        "webhooks": bool(rule.webhook_fields),
        "enabled": setting["enabled"] if setting else True,
        "version": setting["version"] if setting else 0,
        "updated_by": setting["updated_by"] if setting else None,
        "updated_at": setting["updated_at"] if setting else None,
    }


@blp.route("")
class Rules(MethodView):
    @blp.response(200, RuleSchema(many=True))
    @require_roles("admin")
    def get(self) -> list[dict[str, Any]]:
        """Every rule, on unless an admin switched it off."""
        with service_context().unit_of_work() as uow:
            settings = directory.rule_settings(uow.session)
        return [_shown(rule, settings.get(t)) for t, rule in sorted(RULES.items())]


@blp.route("/<string:event_type>")
class RuleResource(MethodView):
    @blp.response(200, RuleSchema)
    @require_roles("admin")
    def get(self, event_type: str) -> Response:
        """One rule, with its version as the `ETag`."""
        rule = _rule(event_type)
        with service_context().unit_of_work() as uow:
            setting = directory.rule_settings(uow.session).get(event_type)
        shown = _shown(rule, setting)
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
        rule = _rule(event_type)
        expected = if_match()
        with service_context().unit_of_work() as uow:
            setting = directory.set_rule(
                uow.session, event_type, data["enabled"], current_principal().subject, expected
            )
            uow.commit()
        return _answer(_shown(rule, setting))


def _rule(event_type: str) -> Rule:
    rule = RULES.get(event_type)
    if rule is None:
        raise NotFound(f"No rule for {event_type!r}.")
    return rule


def _answer(shown: dict[str, Any]) -> Response:
    response = jsonify(RuleSchema().dump(shown))
    response.headers.update(etag(shown["version"]))
    return response
