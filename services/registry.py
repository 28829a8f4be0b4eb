"""The composition root: which services exist, and which background workers each runs."""

from __future__ import annotations

from dataclasses import dataclass

from services.intake.consumers import CONSUMERS as INTAKE_CONSUMERS
from services.notifications.consumers import CONSUMERS as NOTIFICATIONS_CONSUMERS
from services.pilots.consumers import CONSUMERS as PILOTS_CONSUMERS
from shared.messaging.consumer import ConsumerSpec


@dataclass(frozen=True)
class ServiceDefinition:
    name: str
    #: Whether the service publishes events (and so runs an outbox relay).
    publishes: bool
    consumers: tuple[ConsumerSpec, ...]

    def consumer(self, name: str) -> ConsumerSpec:
        for spec in self.consumers:
            if spec.name == name:
                return spec
        known = ", ".join(c.name for c in self.consumers) or "none"
        raise KeyError(f"{self.name} has no consumer {name!r} (it has: {known})")


SERVICES: dict[str, ServiceDefinition] = {
    "intake": ServiceDefinition("intake", publishes=True, consumers=INTAKE_CONSUMERS),
    "pilots": ServiceDefinition("pilots", publishes=True, consumers=PILOTS_CONSUMERS),
    "notifications": ServiceDefinition(
        "notifications", publishes=True, consumers=NOTIFICATIONS_CONSUMERS
    ),
}
