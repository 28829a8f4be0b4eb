"""Application factory of the pilots service."""

from __future__ import annotations

from flask import Flask

from services.pilots import SERVICE
from services.pilots import __doc__ as DESCRIPTION
from services.pilots.api import BLUEPRINTS
from services.pilots.domain.aggregates import TABLES
from services.pilots.store.rollup_index import RollupIndex
from shared.config import Settings
from shared.service import create_service_app


def create_app(settings: Settings | None = None) -> Flask:
    """Build the pilots app; settings come from the environment unless given."""
    app = create_service_app(
        SERVICE,
        title="Turvaverkko pilots",
        description=DESCRIPTION or "",
        blueprints=BLUEPRINTS,
        settings=settings,
    )
    app.extensions["rollup_index"] = RollupIndex(app.extensions["turvaverkko"].engine, TABLES)
    return app
