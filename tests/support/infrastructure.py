"""The real PostgreSQL and RabbitMQ for the test session: found, checked, and isolated.

Addresses come from the environment (``TURVAVERKKO_POSTGRES_URL``, ``TURVAVERKKO_AMQP_URL``) with
localhost defaults. Each session creates its own databases (a random prefix) and its own RabbitMQ
vhost, and drops them at the end, so that runs never see each other's data.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import uuid
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

import pika
import sqlalchemy as sa

from services.registry import SERVICES
from shared import migrations
from shared.config import Settings
from shared.messaging import topology


class InfrastructureMissing(RuntimeError):
    pass


def postgres_answers(settings: Settings) -> str | None:
    """None if PostgreSQL answers, else the reason."""
    engine = sa.create_engine(
        f"{settings.postgres_url.rstrip('/')}/postgres",
        connect_args={"connect_timeout": 3},
        poolclass=sa.pool.NullPool,
    )
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        return None
    except sa.exc.OperationalError as exc:
        return str(exc.orig).strip().splitlines()[0] if exc.orig else "no answer"
    finally:
        engine.dispose()


def rabbitmq_answers(settings: Settings) -> str | None:
    try:
        pika.BlockingConnection(topology.connection_parameters(settings, socket_timeout=3)).close()
        return None
    except (pika.exceptions.AMQPError, OSError) as exc:
        return repr(exc)


def with_vhost(amqp_url: str, vhost: str) -> str:
    parts = urlsplit(amqp_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(vhost, safe=""), parts.query, ""))


@dataclass
class BrokerAdmin:
    """Runs ``rabbitmqctl`` (or ``TURVAVERKKO_RABBITMQCTL``, e.g. through ``docker compose exec``)."""

    command: tuple[str, ...]

    @classmethod
    def from_env(cls) -> BrokerAdmin:
        return cls(tuple(shlex.split(os.environ.get("TURVAVERKKO_RABBITMQCTL", "rabbitmqctl"))))

    def __call__(self, *args: str) -> str:
        try:
            done = subprocess.run(
                [*self.command, *args], capture_output=True, text=True, timeout=60, check=False
            )
        except FileNotFoundError:
            raise InfrastructureMissing(
                f"{self.command[0]} not found: the tests manage their RabbitMQ vhost with it; "
                "set TURVAVERKKO_RABBITMQCTL to a working command"
            ) from None
        if done.returncode != 0:
            raise InfrastructureMissing(
                f"{' '.join(self.command)} {' '.join(args)} failed: {done.stderr.strip()}"
            )
        return done.stdout

    def add_vhost(self, vhost: str, user: str) -> None:
        self("add_vhost", vhost)
        self("set_permissions", "-p", vhost, user, ".*", ".*", ".*")

    def delete_vhost(self, vhost: str) -> None:
        self("delete_vhost", vhost)

    def close_all_connections(self, vhost: str) -> None:
        self("close_all_connections", "-p", vhost, "closed by the test")


@dataclass
class SessionInfrastructure:
    settings: Settings
    admin: BrokerAdmin
    vhost: str

    @classmethod
    def create(cls, base: Settings) -> SessionInfrastructure:
        session = uuid.uuid4().hex[:10]
        vhost = f"tvtest-{session}"
        admin = BrokerAdmin.from_env()
        admin.add_vhost(vhost, urlsplit(base.amqp_url).username or "guest")
        settings = Settings.from_env(
            database_prefix=f"tvtest_{session}_",
            amqp_url=with_vhost(base.amqp_url, vhost),
            postgres_url=base.postgres_url,
            delivery_limit=3,
            reconnect_max_delay=1.0,
            relay_poll_interval=0.02,
            relay_confirm_timeout=10.0,
        )
        for service in SERVICES:
            migrations.upgrade(service, settings)
        return cls(settings, admin, vhost)

    def destroy(self) -> None:
        for service in SERVICES:
            migrations.drop_database(service, self.settings)
        self.admin.delete_vhost(self.vhost)
