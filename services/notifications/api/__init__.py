"""HTTP resources of the notifications service: every blueprint registered by `create_app()`."""

from flask_smorest import Blueprint

BLUEPRINTS: list[Blueprint] = []
