"""Application factory of the notifications service."""

from __future__ import annotations

from flask import Flask

from services.notifications import SERVICE
from services.notifications import __doc__ as DESCRIPTION
from services.notifications.api import BLUEPRINTS
from shared.config import Settings
from shared.service import create_service_app


def create_app(settings: Settings | None = None) -> Flask:
    """Build the notifications app; settings come from the environment unless given."""
    return create_service_app(
        SERVICE,
        title="Turvaverkko notifications",
        description=DESCRIPTION or "",
        blueprints=BLUEPRINTS,
        settings=settings,
    )
