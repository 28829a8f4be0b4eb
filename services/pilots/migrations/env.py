"""Alembic environment of the pilots service's own database (`turvaverkko_pilots`)."""

from services.pilots.store.tables import metadata
from shared.messaging.schema import platform_metadata
from shared.migrations import run_environment

run_environment([platform_metadata, metadata])
