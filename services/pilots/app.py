"""Application factory of the pilots service."""

from __future__ import annotations

import logging
import threading

from flask import Flask

from services.pilots import SERVICE
from services.pilots import __doc__ as DESCRIPTION
from services.pilots.api import BLUEPRINTS
from services.pilots.domain.aggregates import TABLES
from services.pilots.store.rollup_index import RollupIndex
from shared.config import Settings
from shared.service import create_service_app

log = logging.getLogger(__name__)


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


def warm(app: Flask) -> None:
    """Load the aggregates index in the background as a web worker starts, so that the first
    coordinator does not wait for it (a request meanwhile waits for the load, then answers)."""
    index: RollupIndex = app.extensions["rollup_index"]

    def load() -> None:
        try:
            index.refresh()
        except Exception:  # the first request loads it instead
            log.exception("could not load the aggregates index in advance")

    threading.Thread(target=load, name="rollup-index-warm", daemon=True).start()
