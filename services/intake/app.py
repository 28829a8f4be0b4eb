"""Application factory of the intake service."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from services.intake import SERVICE
from services.intake import __doc__ as DESCRIPTION
from services.intake.api import BLUEPRINTS
from services.intake.domain.pseudonym import Pseudonymiser
from services.intake.domain.schemas import ITEM_SCHEMAS
from services.intake.store.group_commit import GroupCommit
from services.intake.usecases.items import Intake
from shared.config import Settings
from shared.service import ServiceContext, create_service_app


def _configure(app: Flask, api: Api) -> None:
    context: ServiceContext = app.extensions["turvaverkko"]
    settings = context.settings
    pseudonymiser = Pseudonymiser.from_setting(settings.pseudonym_keys, settings.pseudonym_key_id)
    intake = app.extensions["intake"] = Intake(pseudonymiser, context.unit_of_work)
    app.extensions["intake.group_commit"] = GroupCommit(intake)
    app.extensions["intake.file_seal"] = pseudonymiser.file_seal()
    for kind, schema in ITEM_SCHEMAS.items():  # the request bodies' oneOf refers to these
        api.spec.components.schema(kind.title(), schema=schema)


def create_app(settings: Settings | None = None) -> Flask:
    """Build the intake app; settings come from the environment unless given."""
    return create_service_app(
        SERVICE,
        title="Turvaverkko intake",
        description=DESCRIPTION or "",
        blueprints=BLUEPRINTS,
        settings=settings,
        configure=_configure,
    )
