"""Every table a service defines is created by its Alembic migrations, exactly: the migrated
database and the code's table definitions do not differ."""

from __future__ import annotations

import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine

from services.registry import SERVICES
from shared.messaging.schema import platform_metadata

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("service", list(SERVICES))
def test_migrations_create_exactly_the_tables_the_code_defines(
    service: str, engines: dict[str, Engine]
) -> None:
    tables = importlib.import_module(f"services.{service}.store.tables")
    with engines[service].connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, [platform_metadata, tables.metadata])
    # Tables that tests create for themselves are not the service's.
    differences = [
        d for d in differences if not (d[0] == "remove_table" and d[1].name.startswith("probe_"))
    ]
    assert differences == []
