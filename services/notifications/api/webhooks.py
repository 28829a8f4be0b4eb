"""Webhook endpoints of regional systems: registered per organisation and event types, signed by
the Standard Webhooks specification with a secret this service generates and shows once.

Admins register for any organisation (naming it); an integration for its own organisation only
(its token's ``org``), and sees and withdraws only its own. The URL is refused (422 naming
``url``) unless it is http(s), without credentials, and every address its host resolves to is
public or in an explicitly allowed network (``domain.targets``).
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from werkzeug.exceptions import Forbidden

from services.notifications.adapters.webhooks import checked_target, new_secret
from services.notifications.api.schemas import (
    WebhookCreatedSchema,
    WebhookIn,
    WebhookPage,
    WebhookQuery,
    WebhookSchema,
)
from services.notifications.domain.targets import TargetRefused, parse_networks
from services.notifications.store import webhooks as store
from shared.auth import Principal, current_principal, require_roles
from shared.http import unprocessable
from shared.resources import page
from shared.service import ApiBlueprint as Blueprint
from shared.service import service_context

blp = Blueprint(
    "webhooks",
    __name__,
    url_prefix="/v1/webhooks",
    description="Signed webhooks to regional systems, per organisation and event type.",
)

MANAGERS = ("admin", "integration")


def _own_organisation(principal: Principal) -> str | None:
    """None for an admin (every organisation); an integration's own organisation."""
    if principal.role == "admin":
        return None
    if not principal.organisation:
        raise Forbidden("Your token names no organisation.")
    return principal.organisation


@blp.route("")
class Webhooks(MethodView):
    @blp.arguments(WebhookQuery, location="query")
    @blp.response(200, WebhookPage)
    @require_roles(*MANAGERS)
    def get(self, query: dict[str, Any]) -> Any:
        """Live endpoints (an integration: its organisation's), by id; never their secrets."""
        own = _own_organisation(current_principal())
        if own is not None and query.get("organisation", own) != own:
            raise Forbidden("You see only your own organisation's webhooks.")
        with service_context().unit_of_work() as uow:
            rows = store.page(
                uow.session, own or query.get("organisation"), query["cursor"], query["limit"]
            )
        body, headers = page(rows, query["limit"], "id")
        return body, 200, headers

    @blp.arguments(WebhookIn)
    @blp.response(201, WebhookCreatedSchema)
    @require_roles(*MANAGERS)
    def post(self, data: dict[str, Any]) -> Any:
        """Register an endpoint for some event types. The answer holds the signing secret
        (`whsec_…`): keep it, it is not shown again."""
        principal = current_principal()
        own = _own_organisation(principal)
        errors = []
        if own is None and "organisation" not in data:
            errors.append({"pointer": "#/organisation", "detail": "Name the organisation."})
        elif own is not None and data.setdefault("organisation", own) != own:
            raise Forbidden("An integration registers webhooks for its own organisation only.")
        settings = service_context().settings
        try:
            checked_target(data["url"], parse_networks(settings.webhook_allowed_networks))
        except TargetRefused as exc:
            errors.append({"pointer": "#/url", "detail": str(exc)})
        if errors:
            raise unprocessable(errors)
        data["event_types"] = sorted(set(data["event_types"]))
        secret = new_secret()
        with service_context().unit_of_work() as uow:
            row = store.create(uow.session, data, secret, principal.subject)
            uow.commit()
        return row, 201, {"Location": f"/v1/webhooks/{row['id']}"}


@blp.route("/<string:endpoint_id>")
class Webhook(MethodView):
    @blp.response(200, WebhookSchema)
    @require_roles(*MANAGERS)
    def get(self, endpoint_id: str) -> dict[str, Any]:
        own = _own_organisation(current_principal())
        with service_context().unit_of_work() as uow:
            return store.get(uow.session, endpoint_id, own)

    @blp.response(204)
    @require_roles(*MANAGERS)
    def delete(self, endpoint_id: str) -> None:
        """Withdraw the endpoint; what was still to be sent to it is cancelled."""
        own = _own_organisation(current_principal())
        with service_context().unit_of_work() as uow:
            store.delete(uow.session, endpoint_id, own)
            uow.commit()
