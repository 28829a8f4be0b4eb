"""HTTP resources of the intake service: every blueprint registered by `create_app()`."""

from flask_smorest import Blueprint

from services.intake.api.imports import blp as imports
from services.intake.api.items import blp as items

BLUEPRINTS: list[Blueprint] = [items, imports]
