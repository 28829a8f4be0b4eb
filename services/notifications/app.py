"""Application factory of the notifications service."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from services.notifications import SERVICE
from services.notifications import __doc__ as DESCRIPTION
from services.notifications.adapters.dead_letter_queues import DeadLetterQueues
from services.notifications.api import BLUEPRINTS
from services.notifications.api.dead_letters import DEAD_LETTER_QUEUES
from services.notifications.api.webhooks import SIGNING_SECRETS
from services.notifications.domain.signing_secrets import SigningSecrets
from services.notifications.store.gauges import delivery_gauges
from shared.config import Settings
from shared.service import ServiceContext, create_service_app


def _configure(app: Flask, api: Api) -> None:
    # Built as the app starts, so that unusable webhook secret keys stop it at once.
    context: ServiceContext = app.extensions["turvaverkko"]
    settings = context.settings
    app.extensions[SIGNING_SECRETS] = SigningSecrets.from_setting(
        settings.webhook_secret_keys, settings.webhook_secret_key_id
    )
    app.extensions[DEAD_LETTER_QUEUES] = DeadLetterQueues(settings)


def create_app(settings: Settings | None = None) -> Flask:
    """Build the notifications app; settings come from the environment unless given."""
    return create_service_app(
        SERVICE,
        title="Turvaverkko notifications",
        description=DESCRIPTION or "",
        blueprints=BLUEPRINTS,
        settings=settings,
        configure=_configure,
        gauges=delivery_gauges,
    )
