"""Webhook endpoints of regional systems: registered per organisation and event types, signed by
the Standard Webhooks specification with a secret this service generates and shows once.

Admins manage every organisation's endpoints (naming the organisation when registering); an
integration its own organisation's only (its token's ``org``): it sees, changes, rotates and
withdraws only those, and another organisation's are 404 to it. The URL is refused (422 naming
``url``) unless it is http(s), without credentials, and every address its host resolves to is
public or in an explicitly allowed network (``domain.targets``) — when registered and when
changed.

Signing secrets are shown once — in the answer that makes them — and are kept only encrypted
(``domain.signing_secrets``). ``POST /v1/webhooks/{id}/secret`` makes a new one; the one it
replaces still signs beside it for ``WEBHOOK_SECRET_GRACE_HOURS``, so receivers switch without
losing a message. ``PATCH /v1/webhooks/{id}`` changes the URL, event types or description under
``If-Match`` (428 without, 412 if the endpoint changed since it was read).
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

from flask import current_app
from flask.views import MethodView
from werkzeug.exceptions import Forbidden

from services.notifications.adapters.webhooks import checked_target, new_secret
from services.notifications.api.schemas import (
    WebhookChangeIn,
    WebhookIn,
    WebhookPage,
    WebhookQuery,
    WebhookSchema,
    WebhookSecretSchema,
)
from services.notifications.domain.signing_secrets import SigningSecrets
from services.notifications.domain.targets import TargetRefused, parse_networks
from services.notifications.store import webhooks as store
from shared.auth import Principal, current_principal, require_roles
from shared.http import unprocessable
from shared.resources import etag, if_match, page
from shared.service import ApiBlueprint as Blueprint
from shared.service import service_context

log = logging.getLogger(__name__)

blp = Blueprint(
    "webhooks",
    __name__,
    url_prefix="/v1/webhooks",
    description="Signed webhooks to regional systems, per organisation and event type.",
)

MANAGERS = ("admin", "integration")
#: Where ``create_app`` keeps the process's ``SigningSecrets`` (built from the settings).
SIGNING_SECRETS = "notifications.signing_secrets"
#: An answer that shows a secret must not be kept by a browser or a proxy.
NO_STORE = {"Cache-Control": "no-store"}


def _own_organisation(principal: Principal) -> str | None:
    """None for an admin (every organisation); an integration's own organisation."""
    if principal.role == "admin":
        return None
    if not principal.organisation:
        raise Forbidden("Your token names no organisation.")
    return principal.organisation


def _signing_secrets() -> SigningSecrets:
    return current_app.extensions[SIGNING_SECRETS]


def _check_addresses(url: str) -> None:
    """422 naming ``url`` unless every address its host resolves to may be called."""
    allowed = parse_networks(service_context().settings.webhook_allowed_networks)
    try:
        checked_target(url, allowed)
    except TargetRefused as exc:
        raise unprocessable([{"pointer": "#/url", "detail": str(exc)}]) from None


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
    @blp.response(201, WebhookSecretSchema)
    @require_roles(*MANAGERS)
    def post(self, data: dict[str, Any]) -> Any:
        """Register an endpoint for some event types. The answer holds the signing secret
        (`whsec_…`): keep it, it is not shown again."""
        principal = current_principal()
        own = _own_organisation(principal)
        if own is not None and data.setdefault("organisation", own) != own:
            raise Forbidden("An integration registers webhooks for its own organisation only.")
        _check_addresses(data["url"])
        data["event_types"] = sorted(set(data["event_types"]))
        endpoint_id = str(uuid.uuid4())
        secret = new_secret()
        sealed = _signing_secrets().seal(endpoint_id, secret)
        with service_context().unit_of_work() as uow:
            row = store.create(uow.session, endpoint_id, data, sealed, principal.subject)
            uow.commit()
        headers = {"Location": f"/v1/webhooks/{endpoint_id}"} | etag(row["version"]) | NO_STORE
        return row | {"secret": secret}, 201, headers


@blp.route("/<string:endpoint_id>")
class Webhook(MethodView):
    @blp.response(200, WebhookSchema)
    @require_roles(*MANAGERS)
    def get(self, endpoint_id: str) -> Any:
        """One endpoint, with the `ETag` a change names; never its secrets."""
        own = _own_organisation(current_principal())
        with service_context().unit_of_work() as uow:
            row = store.get(uow.session, endpoint_id, own)
        return row, 200, etag(row["version"])

    @blp.arguments(WebhookChangeIn)
    @blp.response(200, WebhookSchema)
    @blp.alt_response(412, description="The endpoint changed since you read it.")
    @blp.alt_response(428, description="If-Match is missing.")
    @require_roles(*MANAGERS)
    def patch(self, data: dict[str, Any], endpoint_id: str) -> Any:
        """Change the URL, the event types or the description; send `If-Match` with the `ETag`
        you read. Deliveries still pending go to the new URL; those of event types no longer
        chosen are cancelled. The signing secret stays."""
        own = _own_organisation(current_principal())
        with service_context().unit_of_work() as uow:
            store.get(uow.session, endpoint_id, own)  # 404 before anything else
        expected = if_match()
        if "url" in data:
            _check_addresses(data["url"])
        if "event_types" in data:
            data["event_types"] = sorted(set(data["event_types"]))
        with service_context().unit_of_work() as uow:
            row = store.change(uow.session, endpoint_id, own, data, expected)
            uow.commit()
        return row, 200, etag(row["version"])

    @blp.response(204)
    @require_roles(*MANAGERS)
    def delete(self, endpoint_id: str) -> None:
        """Withdraw the endpoint; what was still to be sent to it is cancelled, and its
        secrets are erased."""
        own = _own_organisation(current_principal())
        with service_context().unit_of_work() as uow:
            store.delete(uow.session, endpoint_id, own)
            uow.commit()


@blp.route("/<string:endpoint_id>/secret")
class WebhookSecret(MethodView):
    @blp.response(200, WebhookSecretSchema)
    @require_roles(*MANAGERS)
    def post(self, endpoint_id: str) -> Any:
        """Make a new signing secret (`whsec_…`), shown only in this answer. Until
        `previous_secret_expires_at` (`WEBHOOK_SECRET_GRACE_HOURS`, 24 h by default) the secret
        it replaces still signs too: each webhook then carries two `v1,…` signatures in
        `webhook-signature`, and a receiver verifies with either secret. Afterwards only the new
        one signs."""
        principal = current_principal()
        own = _own_organisation(principal)
        settings = service_context().settings
        secret = new_secret()
        sealed = _signing_secrets().seal(endpoint_id, secret)
        grace = timedelta(hours=settings.webhook_secret_grace_hours)
        with service_context().unit_of_work() as uow:
            row = store.rotate(uow.session, endpoint_id, own, sealed, grace)
            uow.commit()
        log.info(
            "webhook endpoint %s: new signing secret made by %s; the previous one signs until %s",
            endpoint_id,
            principal.subject,
            row["previous_secret_expires_at"],
        )
        return row | {"secret": secret}, 200, etag(row["version"]) | NO_STORE
