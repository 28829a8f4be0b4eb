"""Database creation and Alembic migrations, one database and one Alembic environment per service."""

from __future__ import annotations

import logging
from importlib import resources

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

from shared.config import Settings
from shared.db import create_engine

log = logging.getLogger(__name__)


def alembic_config(service: str, settings: Settings) -> Config:
    config = Config()
    location = resources.files(f"services.{service}") / "migrations"
    config.set_main_option("script_location", str(location))
    # '%' must be doubled in ConfigParser values (URL-encoded passwords contain it).
    config.set_main_option("sqlalchemy.url", settings.database_url(service).replace("%", "%%"))
    return config


def ensure_database(service: str, settings: Settings) -> bool:
    """Create the service's database if it does not exist; True if it was created."""
    url = make_url(settings.database_url(service))
    name = url.database
    assert name
    admin = create_engine(
        url.set(database="postgres"),
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 5},
    )
    try:
        with admin.connect() as connection:
            exists = connection.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).first()
            if exists:
                return False
            quoted = connection.dialect.identifier_preparer.quote(name)
            connection.execute(sa.text(f"CREATE DATABASE {quoted}"))
            log.info("created database %s", name)
            return True
    finally:
        admin.dispose()


def drop_database(service: str, settings: Settings) -> None:
    url = make_url(settings.database_url(service))
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            quoted = connection.dialect.identifier_preparer.quote(url.database or "")
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
    finally:
        admin.dispose()


def upgrade(service: str, settings: Settings, revision: str = "head") -> None:
    """Create the service's database if needed and migrate it to ``revision``."""
    ensure_database(service, settings)
    command.upgrade(alembic_config(service, settings), revision)


def run_environment(target_metadata: list[sa.MetaData]) -> None:
    """The body of every service's ``migrations/env.py`` (online mode only)."""
    from alembic import context

    url = context.config.get_main_option("sqlalchemy.url")
    engine = create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            compare_type=True,
            transaction_per_migration=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
