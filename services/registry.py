"""The composition root: which services exist, and which background workers each runs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from services.intake.consumers import CONSUMERS as INTAKE_CONSUMERS
from services.intake.workers.imports import build_import_worker
from services.notifications.consumers import CONSUMERS as NOTIFICATIONS_CONSUMERS
from services.notifications.consumers.dead_letters import (
    DeadLetterWatcher,
    build_dead_letter_watcher,
)
from services.notifications.workers.sender import build_sender
from services.pilots.consumers import CONSUMERS as PILOTS_CONSUMERS
from services.pilots.workers.scheduler import build_scheduler
from shared.messaging.consumer import ConsumerSpec


@dataclass(frozen=True)
class ServiceDefinition:
    name: str
    #: Whether the service publishes events (and so runs an outbox relay).
    publishes: bool
    consumers: tuple[ConsumerSpec, ...]
    #: Other background workers by name: each is built from (settings, engine) and has run()/stop().
    workers: Mapping[str, Callable[[Any, Any], Any]] = field(default_factory=dict)
    #: gunicorn's worker class for the web processes. ``gthread``: OS threads, which take turns
    #: even while one computes (the pilots' figures, the notifications' lists). ``gevent``: for
    #: a service whose requests are short and wait mostly on the database (intake's single items):
    #: greenlets switch without the operating system, and a request no longer pays the thread
    #: hand-offs of gthread's keep-alive loop (a third of intake's CPU per request, measured by
    #: ``bench/single.py``); psycopg cooperates with gevent by itself.
    web_worker: str = "gthread"

    def consumer(self, name: str) -> ConsumerSpec:
        for spec in self.consumers:
            if spec.name == name:
                return spec
        known = ", ".join(c.name for c in self.consumers) or "none"
        raise KeyError(f"{self.name} has no consumer {name!r} (it has: {known})")


def gunicorn_worker_arguments(name: str, settings: Any) -> list[str]:
    """gunicorn's arguments for the service's web processes: the worker class and its
    concurrency (threads, or greenlets for gevent), and the number of processes."""
    worker = SERVICES[name].web_worker
    concurrency = (
        ["--threads", str(settings.web_threads)]
        if worker == "gthread"
        else ["--worker-connections", str(settings.web_connections)]
    )
    return ["--workers", str(settings.web_workers), "--worker-class", worker, *concurrency]


def web_gateway_arguments(settings: Any) -> list[str]:
    """gunicorn's arguments for the ``web`` process (``services/gateway.py``): one gevent process
    whose greenlets each carry a request, however long an upload takes."""
    return [
        "--bind",
        f"{settings.host}:{settings.web_port}",
        "--workers",
        "1",
        "--worker-class",
        "gevent",
        "--worker-connections",
        "1000",
        "--graceful-timeout",
        "10",
        "--no-control-socket",
        "--error-logfile",
        "-",
        "services.gateway:wsgi_app()",
    ]


def consumer_queues() -> list[str]:
    """The queue of every consumer of every service."""
    return [spec.queue.name for d in SERVICES.values() for spec in d.consumers]


def _dead_letter_watcher(settings: Any, engine: Any) -> DeadLetterWatcher:
    """The notifications service watches every consumer's dead letters, its own included."""
    return build_dead_letter_watcher(settings, engine, consumer_queues())


SERVICES: dict[str, ServiceDefinition] = {
    "intake": ServiceDefinition(
        "intake",
        publishes=True,
        consumers=INTAKE_CONSUMERS,
        workers={"imports": build_import_worker},
        web_worker="gevent",
    ),
    "pilots": ServiceDefinition(
        "pilots",
        publishes=True,
        consumers=PILOTS_CONSUMERS,
        workers={"scheduler": build_scheduler},
    ),
    "notifications": ServiceDefinition(
        "notifications",
        publishes=True,
        consumers=NOTIFICATIONS_CONSUMERS,
        workers={"sender": build_sender, "dead-letters": _dead_letter_watcher},
    ),
}
