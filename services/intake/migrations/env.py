"""Alembic environment of the intake service's own database (`turvaverkko_intake`)."""

from services.intake.store.tables import metadata
from shared.messaging.schema import platform_metadata
from shared.migrations import run_environment

run_environment([platform_metadata, metadata])
