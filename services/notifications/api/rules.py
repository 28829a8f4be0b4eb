"""The rules (admins): which event tells whom, and switching a rule off or on again."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from werkzeug.exceptions import NotFound

from services.notifications.api.schemas import RuleIn, RuleSchema
from services.notifications.domain.rules import RULES, Rule
from services.notifications.store import directory
from shared.auth import current_principal, require_roles
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
    @blp.arguments(RuleIn)
    @blp.response(200, RuleSchema)
    @require_roles("admin")
    def put(self, data: dict[str, Any], event_type: str) -> dict[str, Any]:
        """Switch a rule off (`enabled: false`) or on; events that arrive meanwhile tell no one
        and are not told later."""
        rule = RULES.get(event_type)
        if rule is None:
            raise NotFound(f"No rule for {event_type!r}.")
        with service_context().unit_of_work() as uow:
            setting = directory.set_rule(
                uow.session, event_type, data["enabled"], current_principal().subject
            )
            uow.commit()
        return _shown(rule, setting)
