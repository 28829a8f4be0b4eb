"""HTTP resources of the pilots service: every blueprint registered by `create_app()`."""

from services.pilots.api import activities, aggregates, cases, pilots, reference, work
from shared.service import ApiBlueprint as Blueprint

BLUEPRINTS: list[Blueprint] = [
    reference.blp,
    pilots.blp,
    activities.blp,
    cases.blp,
    work.blp,
    aggregates.blp,
]
