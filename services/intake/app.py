"""Application factory of the intake service."""

from __future__ import annotations

from flask import Flask

from services.intake import SERVICE
from services.intake import __doc__ as DESCRIPTION
from services.intake.api import BLUEPRINTS
from shared.config import Settings
from shared.service import create_service_app


def create_app(settings: Settings | None = None) -> Flask:
    """Build the intake app; settings come from the environment unless given."""
    return create_service_app(
        SERVICE,
        title="Turvaverkko intake",
        description=DESCRIPTION or "",
        blueprints=BLUEPRINTS,
        settings=settings,
    )
