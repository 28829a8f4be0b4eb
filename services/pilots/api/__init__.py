"""HTTP resources of the pilots service: every blueprint registered by `create_app()`."""

from flask_smorest import Blueprint

BLUEPRINTS: list[Blueprint] = []
