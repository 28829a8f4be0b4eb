"""Webhook endpoints: registered per organisation and event types, withdrawn by deleting (the row
stays, marked deleted, for the delivery log; its pending deliveries are cancelled)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.exceptions import NotFound

from services.notifications.store.tables import delivery, webhook_endpoint
from shared.resources import decode_cursor

#: Never read back after registration.
_PUBLIC = [c for c in webhook_endpoint.c if c.name != "secret"]


def create(session: Session, values: dict[str, Any], secret: str, by: str) -> dict[str, Any]:
    row = (
        session.execute(
            sa.insert(webhook_endpoint)
            .values(id=str(uuid.uuid4()), secret=secret, created_by=by, **values)
            .returning(webhook_endpoint)
        )
        .mappings()
        .one()
    )
    return dict(row)


def page(
    session: Session, organisation: str | None, cursor: str | None, limit: int
) -> list[dict[str, Any]]:
    stmt = sa.select(*_PUBLIC).where(webhook_endpoint.c.deleted_at.is_(None))
    if organisation is not None:
        stmt = stmt.where(webhook_endpoint.c.organisation == organisation)
    after = decode_cursor(cursor)
    if after is not None:
        stmt = stmt.where(webhook_endpoint.c.id > after)
    rows = session.execute(stmt.order_by(webhook_endpoint.c.id).limit(limit + 1)).mappings()
    return [dict(r) for r in rows]


def get(session: Session, endpoint_id: str, organisation: str | None) -> dict[str, Any]:
    """A live endpoint; 404 also for another organisation's (when ``organisation`` is given)."""
    stmt = sa.select(*_PUBLIC).where(
        webhook_endpoint.c.id == endpoint_id, webhook_endpoint.c.deleted_at.is_(None)
    )
    if organisation is not None:
        stmt = stmt.where(webhook_endpoint.c.organisation == organisation)
    row = session.execute(stmt).mappings().first()
    if row is None:
        raise NotFound("No such webhook endpoint.")
    return dict(row)


def delete(session: Session, endpoint_id: str, organisation: str | None) -> int:
    """Withdraw the endpoint and cancel what was still to be sent to it; how many cancelled."""
    get(session, endpoint_id, organisation)
    session.execute(
        sa.update(webhook_endpoint)
        .where(webhook_endpoint.c.id == endpoint_id)
        .values(deleted_at=sa.func.now())
    )
    return session.execute(
        sa.update(delivery)
        .where(delivery.c.endpoint_id == endpoint_id, delivery.c.status == "pending")
        .values(status="cancelled", next_attempt_at=None, updated_at=sa.func.now())
    ).rowcount
