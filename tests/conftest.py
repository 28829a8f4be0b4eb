"""Session-wide fixtures: the real PostgreSQL and RabbitMQ, isolated per test session.

Addresses come from the environment with localhost defaults. Only when they cannot be reached and
a Docker engine answers does pytest-docker bring up compose.yaml's ``postgres`` and ``rabbitmq``.
Otherwise the run stops with a message that says what is missing; no test is skipped for it.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from services.registry import SERVICES
from shared.config import Settings
from shared.db import make_engine
from tests.support.infrastructure import (
    InfrastructureMissing,
    SessionInfrastructure,
    postgres_answers,
    rabbitmq_answers,
)

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_POSTGRES_URL = "postgresql+psycopg://turvaverkko:turvaverkko@127.0.0.1:5432"
COMPOSE_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"


def _docker_engine_answers() -> bool:
    try:
        return (
            subprocess.run(
                ["docker", "info"], capture_output=True, timeout=10, check=False
            ).returncode
            == 0
        )
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return False


@pytest.fixture(scope="session")
def docker_compose_file() -> str:
    return str(ROOT / "compose.yaml")


@pytest.fixture(scope="session")
def docker_setup() -> list[str]:
    return ["up -d --wait postgres rabbitmq"]


@pytest.fixture(scope="session")
def docker_cleanup() -> list[str]:
    return ["down -v"]


@pytest.fixture(scope="session")
def infrastructure(request: pytest.FixtureRequest) -> Iterator[SessionInfrastructure]:
    base = Settings.from_env()
    missing = {
        name: reason
        for name, reason in (
            ("PostgreSQL", postgres_answers(base)),
            ("RabbitMQ", rabbitmq_answers(base)),
        )
        if reason
    }
    if missing:
        if not _docker_engine_answers():
            lines = [f"{name} is not reachable ({reason})" for name, reason in missing.items()]
            pytest.exit(
                "The tests need the real PostgreSQL and RabbitMQ.\n  " + "\n  ".join(lines) + "\n"
                f"  PostgreSQL: {base.postgres_address} (TURVAVERKKO_POSTGRES_URL)\n"
                f"  RabbitMQ:   {base.amqp_address} (TURVAVERKKO_AMQP_URL)\n"
                "  Start them (see DEVELOPERS.md), or run a Docker engine so that pytest-docker can "
                "bring up compose.yaml's postgres and rabbitmq.",
                returncode=3,
            )
        request.getfixturevalue("docker_services")
        os.environ.setdefault(
            "TURVAVERKKO_RABBITMQCTL",
            f"docker compose -f {ROOT / 'compose.yaml'} exec -T rabbitmq rabbitmqctl",
        )
        base = Settings.from_env(postgres_url=COMPOSE_POSTGRES_URL, amqp_url=COMPOSE_AMQP_URL)
    try:
        infra = SessionInfrastructure.create(base)
    except InfrastructureMissing as exc:
        pytest.exit(f"Cannot prepare the test broker: {exc}", returncode=3)
    yield infra
    infra.destroy()


@pytest.fixture(scope="session")
def settings(infrastructure: SessionInfrastructure) -> Settings:
    return infrastructure.settings


@pytest.fixture(scope="session")
def engines(settings: Settings) -> Iterator[dict[str, Engine]]:
    engines = {
        name: make_engine(settings.database_url(name), application_name=f"test-{name}")
        for name in SERVICES
    }
    yield engines
    for engine in engines.values():
        engine.dispose()


@pytest.fixture
def empty_outboxes(engines: dict[str, Engine]) -> None:
    """Start a test with no unsent events left over from another test."""
    for engine in engines.values():
        with engine.begin() as connection:
            connection.execute(sa.text("TRUNCATE outbox"))


def worker_environment(settings: Settings) -> dict[str, str]:
    """The environment that gives a subprocess this session's databases and vhost."""
    return {
        **os.environ,
        "TURVAVERKKO_POSTGRES_URL": settings.postgres_url,
        "TURVAVERKKO_DATABASE_PREFIX": settings.database_prefix,
        "TURVAVERKKO_AMQP_URL": settings.amqp_url,
        "TURVAVERKKO_DELIVERY_LIMIT": str(settings.delivery_limit),
        "TURVAVERKKO_RECONNECT_MAX_DELAY": str(settings.reconnect_max_delay),
        "TURVAVERKKO_RELAY_POLL_INTERVAL": str(settings.relay_poll_interval),
        "PYTHONPATH": str(ROOT),
    }
