"""Fixtures of the integration tests: the intake app on a clean intake database with the synthetic
reference data."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pika
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from services.intake.app import create_app
from services.intake.consumers.case_map import CASE_MAP
from services.intake.store.tables import metadata
from services.notifications.app import create_app as create_notifications_app
from services.pilots.app import create_app as create_pilots_app
from services.pilots.store.tables import metadata as pilots_metadata
from shared.config import Settings
from shared.db import UnitOfWork, make_session_factory
from shared.messaging import topology
from shared.messaging.consumer import Consumer, ConsumerSpec
from shared.messaging.schema import platform_metadata
from tests.support.intake_data import seed_reference_data
from tests.support.notifications import empty_notifications, loopback_allowed
from tests.support.probe import ensure_effect_table, probe_consumer

#: Every table intake owns: each test starts with them empty — but the audit log, which refuses to
#: be emptied (tests look at the entries of their own requests).
INTAKE_TABLES = tuple(sorted({*metadata.tables, *platform_metadata.tables} - {"audit_entry"}))


@pytest.fixture
def intake_app(settings: Settings, engines: dict[str, Engine]) -> Iterator[Flask]:
    with engines["intake"].begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {', '.join(INTAKE_TABLES)}"))
    app = create_app(settings)
    seed_reference_data(app.extensions["turvaverkko"].unit_of_work)
    yield app
    app.extensions["turvaverkko"].engine.dispose()


@pytest.fixture
def intake_client(intake_app: Flask) -> FlaskClient:
    return intake_app.test_client()


@pytest.fixture
def case_map(settings: Settings, intake_app: Flask) -> Consumer:
    """Intake's case-map consumer on the test's intake database (events handed to it directly,
    see ``tests.support.consume``)."""
    sessions = make_session_factory(intake_app.extensions["turvaverkko"].engine)
    return Consumer(settings, CASE_MAP, lambda: UnitOfWork(sessions))


#: The pilots tables each test starts with empty: not the regions (reference data from a
#: migration), nor the audit log, which refuses to be emptied (tests look at their own cases' rows).
PILOTS_TABLES = tuple(
    sorted({*pilots_metadata.tables, *platform_metadata.tables} - {"region", "audit_entry"})
)


@pytest.fixture
def pilots_app(settings: Settings, engines: dict[str, Engine]) -> Iterator[Flask]:
    with engines["pilots"].begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {', '.join(PILOTS_TABLES)}"))
    app = create_pilots_app(settings)
    yield app
    app.extensions["turvaverkko"].engine.dispose()


@pytest.fixture
def pilots_client(pilots_app: Flask) -> FlaskClient:
    return pilots_app.test_client()


@pytest.fixture
def notifications_app(settings: Settings, engines: dict[str, Engine]) -> Iterator[Flask]:
    """The notifications app on an empty database, its webhook receivers allowed on loopback."""
    empty_notifications(engines["notifications"])
    app = create_notifications_app(loopback_allowed(settings))
    yield app
    app.extensions["turvaverkko"].engine.dispose()
    empty_notifications(engines["notifications"])  # nothing left for a later stack to send


@pytest.fixture
def notifications_client(notifications_app: Flask) -> FlaskClient:
    return notifications_app.test_client()


# --- the messaging tests: a producer, a consumer side and fresh probe consumers ---------------


@pytest.fixture
def intake(engines: dict[str, Engine]) -> Engine:
    """The producing side: intake's own database and outbox."""
    return engines["intake"]


@pytest.fixture
def notifications(engines: dict[str, Engine]) -> Engine:
    """The consuming side: notifications' own database, where the probe's effect lands."""
    ensure_effect_table(engines["notifications"])
    return engines["notifications"]


@pytest.fixture
def new_probe(settings: Settings) -> Iterator[Callable[..., ConsumerSpec]]:
    """Declare a fresh probe consumer's queues; delete them after the test so that later tests'
    events do not pile up in them (or, for a small queue, get refused by it)."""
    specs: list[ConsumerSpec] = []

    def make(queue_settings: Settings = settings) -> ConsumerSpec:
        spec = probe_consumer()
        topology.declare(queue_settings, [spec.queue])
        specs.append(spec)
        return spec

    yield make
    connection = pika.BlockingConnection(topology.connection_parameters(settings))
    channel = connection.channel()
    for spec in specs:
        channel.queue_delete(spec.queue.name)
        channel.queue_delete(spec.queue.dead_letter_queue)
    connection.close()
