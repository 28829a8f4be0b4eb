"""Webhook endpoints of regional systems: registered per organisation and event types, signed by
the Standard Webhooks specification with a secret this service generates and shows once.

Admins manage every organisation's endpoints (naming the organisation when registering); an
integration its own organisation's only (its token's ``org``): it sees, changes, rotates and
withdraws only those, and another organisation's are 404 to it. The URL is refused (422 naming
``url``) unless it is http(s), without credentials, and every address its host resolves to is
public or in an explicitly allowed network (``domain.targets``) — when registered and when
changed. ``usecases.webhooks`` does each of these; the views here parse and answer.

Signing secrets are shown once — in the answer that makes them — and are kept only encrypted
(``domain.signing_secrets``). ``POST /v1/webhooks/{id}/secret`` makes a new one; the one it
replaces still signs beside it for ``WEBHOOK_SECRET_GRACE_HOURS``, so receivers switch without
losing a message. ``PATCH /v1/webhooks/{id}`` changes the URL, event types or description under
``If-Match`` (428 without, 412 if the endpoint changed since it was read).
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView

from services.notifications.api.schemas import (
    WebhookChangeIn,
    WebhookIn,
    WebhookPage,
    WebhookQuery,
    WebhookSchema,
    WebhookSecretSchema,
)
from services.notifications.domain.signing_secrets import SigningSecrets
from services.notifications.usecases import webhooks
from services.notifications.usecases.access import MANAGERS
from shared.auth import current_principal, require_roles
from shared.resources import etag, if_match, page
from shared.service import ApiBlueprint as Blueprint
from shared.service import service_context

blp = Blueprint(
    "webhooks",
    __name__,
    url_prefix="/v1/webhooks",
    description="Signed webhooks to regional systems, per organisation and event type.",
)

#: Where ``create_app`` keeps the process's ``SigningSecrets`` (built from the settings).
SIGNING_SECRETS = "notifications.signing_secrets"
#: An answer that shows a secret must not be kept by a browser or a proxy.
NO_STORE = {"Cache-Control": "no-store"}


def _signing_secrets() -> SigningSecrets:
    secrets: SigningSecrets = current_app.extensions[SIGNING_SECRETS]
    return secrets


@blp.route("")
class Webhooks(MethodView):
    @blp.arguments(WebhookQuery, location="query")
    @blp.response(200, WebhookPage)
    @require_roles(*MANAGERS)
    def get(self, query: dict[str, Any]) -> Any:
        """Live endpoints (an integration: its organisation's), by id; never their secrets."""
        with service_context().unit_of_work() as uow:
            rows = webhooks.list_webhooks(
                current_principal(), uow, query.get("organisation"), query["cursor"], query["limit"]
            )
        body, headers = page(rows, query["limit"], "id")
        return body, 200, headers

    @blp.arguments(WebhookIn)
    @blp.response(201, WebhookSecretSchema)
    @require_roles(*MANAGERS)
    def post(self, data: dict[str, Any]) -> Any:
        """Register an endpoint for some event types. The answer holds the signing secret
        (`whsec_…`): keep it, it is not shown again."""
        context = service_context()
        with context.unit_of_work() as uow:
            row = webhooks.register(
                current_principal(), uow, context.settings, _signing_secrets(), data
            )
        headers = {"Location": f"/v1/webhooks/{row['id']}"} | etag(row["version"]) | NO_STORE
        return row, 201, headers


@blp.route("/<string:endpoint_id>")
class Webhook(MethodView):
    @blp.response(200, WebhookSchema)
    @require_roles(*MANAGERS)
    def get(self, endpoint_id: str) -> Any:
        """One endpoint, with the `ETag` a change names; never its secrets."""
        with service_context().unit_of_work() as uow:
            row = webhooks.get_webhook(current_principal(), uow, endpoint_id)
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
        context = service_context()
        with context.unit_of_work() as uow:
            row = webhooks.change(
                current_principal(), uow, context.settings, endpoint_id, data, if_match
            )
        return row, 200, etag(row["version"])

    @blp.response(204)
    @require_roles(*MANAGERS)
    def delete(self, endpoint_id: str) -> None:
        """Withdraw the endpoint; what was still to be sent to it is cancelled, and its
        secrets are erased."""
        with service_context().unit_of_work() as uow:
            webhooks.withdraw(current_principal(), uow, endpoint_id)


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
        context = service_context()
        with context.unit_of_work() as uow:
            row = webhooks.rotate_secret(
                current_principal(), uow, context.settings, _signing_secrets(), endpoint_id
            )
        return row, 200, etag(row["version"]) | NO_STORE
