"""Webhook endpoints: registered per organisation and event types, changed under ``If-Match``,
withdrawn by deleting (the row stays, marked deleted, for the delivery log; its pending
deliveries are cancelled and its secrets erased).

Signing secrets are kept sealed in ``webhook_secret`` (this module never sees one in clear): the
endpoint's current secret, and the secrets it replaced until their grace period ends. Nothing
read back from here carries a secret; an endpoint shows only when its current secret was made
and until when a replaced one still signs.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.notifications.domain.signing_secrets import SealedSecret
from services.notifications.store.tables import delivery, webhook_endpoint, webhook_secret
from shared import records
from shared.errors import NotFound

_secret_created_at = (
    sa.select(sa.func.max(webhook_secret.c.created_at))
    .where(
        webhook_secret.c.endpoint_id == webhook_endpoint.c.id,
        webhook_secret.c.expires_at.is_(None),
    )
    .correlate(webhook_endpoint)
    .scalar_subquery()
    .label("secret_created_at")
)
_previous_secret_expires_at = (
    sa.select(sa.func.max(webhook_secret.c.expires_at))
    .where(
        webhook_secret.c.endpoint_id == webhook_endpoint.c.id,
        webhook_secret.c.expires_at > sa.func.now(),
    )
    .correlate(webhook_endpoint)
    .scalar_subquery()
    .label("previous_secret_expires_at")
)
#: What an endpoint shows: its columns, and when its secrets were made and end — never a secret.
_PUBLIC = [*webhook_endpoint.c, _secret_created_at, _previous_secret_expires_at]


def create(
    session: Session, endpoint_id: str, values: dict[str, Any], sealed: SealedSecret, by: str
) -> dict[str, Any]:
    """Register the endpoint with its first secret (sealed for ``endpoint_id``)."""
    session.execute(sa.insert(webhook_endpoint).values(id=endpoint_id, created_by=by, **values))
    _add_secret(session, endpoint_id, sealed)
    return get(session, endpoint_id, None)


def page(
    session: Session, organisation: str | None, cursor: str | None, limit: int
) -> list[dict[str, Any]]:
    stmt = sa.select(*_PUBLIC).where(webhook_endpoint.c.deleted_at.is_(None))
    if organisation is not None:
        stmt = stmt.where(webhook_endpoint.c.organisation == organisation)
    return records.page_rows(session, stmt, webhook_endpoint.c.id, cursor, limit)


def get(session: Session, endpoint_id: str, organisation: str | None) -> dict[str, Any]:
    """A live endpoint; 404 also for another organisation's (when ``organisation`` is given)."""
    stmt = sa.select(*_PUBLIC).where(_live(endpoint_id, organisation))
    row = session.execute(stmt).mappings().first()
    if row is None:
        raise NotFound("No such webhook endpoint.")
    return dict(row)


def change(
    session: Session,
    endpoint_id: str,
    organisation: str | None,
    values: dict[str, Any],
    expected_version: int,
) -> dict[str, Any]:
    """Change the URL, event types or description if the endpoint is still at
    ``expected_version`` (404 if it is not the caller's, 412 if someone changed it first).

    Pending deliveries read the URL when they are sent, so they go to the new one; those of
    event types the endpoint no longer takes are cancelled, as a withdrawal cancels them all."""
    records.update(
        session,
        webhook_endpoint,
        "id",
        endpoint_id,
        expected_version,
        values,
        "webhook",
        where=_live(endpoint_id, organisation),
        exists=lambda: get(session, endpoint_id, organisation),  # 404: gone or not the caller's
    )
    if "event_types" in values:
        _cancel_pending(session, endpoint_id, ~delivery.c.event_type.in_(values["event_types"]))
    return get(session, endpoint_id, organisation)


def rotate(
    session: Session,
    endpoint_id: str,
    organisation: str | None,
    sealed: SealedSecret,
    grace: timedelta,
) -> dict[str, Any]:
    """Make ``sealed`` the endpoint's current secret; the one it replaces still signs for
    ``grace``. A secret replaced earlier keeps its own grace period (rotating twice never cuts
    short the overlap of the secret receivers had), and secrets whose grace is over are erased."""
    locked = session.execute(
        sa.select(webhook_endpoint.c.id).where(_live(endpoint_id, organisation)).with_for_update()
    ).first()
    if locked is None:
        raise NotFound("No such webhook endpoint.")
    now = sa.func.now()
    session.execute(
        sa.delete(webhook_secret).where(
            webhook_secret.c.endpoint_id == endpoint_id, webhook_secret.c.expires_at <= now
        )
    )
    session.execute(
        sa.update(webhook_secret)
        .where(webhook_secret.c.endpoint_id == endpoint_id, webhook_secret.c.expires_at.is_(None))
        .values(expires_at=now + grace)
    )
    _add_secret(session, endpoint_id, sealed)
    session.execute(
        sa.update(webhook_endpoint)
        .where(webhook_endpoint.c.id == endpoint_id)
        .values(version=webhook_endpoint.c.version + 1, updated_at=now)
    )
    return get(session, endpoint_id, organisation)


def delete(session: Session, endpoint_id: str, organisation: str | None) -> int:
    """Withdraw the endpoint, erase its secrets and cancel what was still to be sent to it;
    how many deliveries were cancelled."""
    get(session, endpoint_id, organisation)
    session.execute(
        sa.update(webhook_endpoint)
        .where(webhook_endpoint.c.id == endpoint_id)
        .values(deleted_at=sa.func.now(), updated_at=sa.func.now())
    )
    session.execute(sa.delete(webhook_secret).where(webhook_secret.c.endpoint_id == endpoint_id))
    return _cancel_pending(session, endpoint_id)


def _live(endpoint_id: str, organisation: str | None) -> sa.ColumnElement[bool]:
    """The endpoint, if it is not withdrawn and (given an organisation) is that organisation's."""
    condition = sa.and_(
        webhook_endpoint.c.id == endpoint_id, webhook_endpoint.c.deleted_at.is_(None)
    )
    if organisation is not None:
        condition = sa.and_(condition, webhook_endpoint.c.organisation == organisation)
    return condition


def _add_secret(session: Session, endpoint_id: str, sealed: SealedSecret) -> None:
    session.execute(
        sa.insert(webhook_secret).values(
            endpoint_id=endpoint_id,
            key_id=sealed.key_id,
            nonce=sealed.nonce,
            ciphertext=sealed.ciphertext,
        )
    )


def _cancel_pending(session: Session, endpoint_id: str, *only: sa.ColumnElement[bool]) -> int:
    return session.execute(  # type: ignore[attr-defined]  # an UPDATE's result has rowcount
        sa.update(delivery)
        .where(delivery.c.endpoint_id == endpoint_id, delivery.c.status == "pending", *only)
        .values(status="cancelled", next_attempt_at=None, updated_at=sa.func.now())
    ).rowcount
