"""HTTP resources of the notifications service: every blueprint registered by `create_app()`."""

from services.notifications.api import dead_letters, deliveries, directory, inbox, rules, webhooks
from shared.service import ApiBlueprint as Blueprint

BLUEPRINTS: list[Blueprint] = [
    inbox.blp,
    directory.blp,
    webhooks.blp,
    deliveries.blp,
    rules.blp,
    dead_letters.blp,
]
