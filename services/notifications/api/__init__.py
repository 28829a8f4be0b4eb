"""HTTP resources of the notifications service: every blueprint registered by `create_app()`."""

from shared.service import ApiBlueprint as Blueprint

BLUEPRINTS: list[Blueprint] = []
