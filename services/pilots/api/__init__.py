"""HTTP resources of the pilots service: every blueprint registered by `create_app()`."""

from flask_smorest import Blueprint

from services.pilots.api import activities, cases, pilots, reference

BLUEPRINTS: list[Blueprint] = [reference.blp, pilots.blp, activities.blp, cases.blp]
