"""The delivery log (admins): every e-mail and webhook — and every message held for a digest —
with its status, attempts and last error; one delivery with each of its attempts. Sending itself
is the sender's (``workers/sender.py``)."""

from __future__ import annotations

from typing import Any

from services.notifications.store import deliveries
from services.notifications.usecases.access import admins_only
from shared.db import UnitOfWork
from shared.principal import Principal

_ADMINS = "Only admins read the delivery log."


def list_deliveries(
    principal: Principal,
    uow: UnitOfWork,
    filters: dict[str, Any],
    cursor: str | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Up to ``limit + 1`` deliveries, newest first; ``filters``: ``status``, ``channel``,
    ``event_type``, ``kind``, ``recipient``, ``endpoint_id``."""
    admins_only(principal, _ADMINS)
    return deliveries.page_log(uow.session, filters, cursor, limit)


def get_delivery(principal: Principal, uow: UnitOfWork, delivery_id: int) -> dict[str, Any]:
    """One delivery with every attempt, in order."""
    admins_only(principal, _ADMINS)
    return deliveries.get_logged(uow.session, delivery_id)
