"""Alembic environment of the notifications service's own database (`turvaverkko_notifications`)."""

from services.notifications.store.tables import metadata
from shared.messaging.schema import platform_metadata
from shared.migrations import run_environment

run_environment([platform_metadata, metadata])
