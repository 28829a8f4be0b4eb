"""Webhook endpoints of regional systems: registering one, reading, changing, withdrawing, and
making a new signing secret.

Admins manage every organisation's endpoints (naming the organisation when registering); an
integration its own organisation's only (its token's ``org``): it sees, changes, rotates and
withdraws only those, and another organisation's are not found (``access.own_organisation``).
The URL is refused (unprocessable, naming ``url``) unless it is http(s), without credentials,
and every address its host resolves to is public or in an explicitly allowed network — checked
here, through ``adapters.webhooks.checked_target`` (a DNS look-up), when registered and when
changed, with no transaction open while the name is resolved.

A signing secret is made here and sealed (``domain.signing_secrets``) before it is stored; the
clear secret is returned once, to the caller who made it, and never kept. A new secret replaces
the current one, which still signs beside it for ``WEBHOOK_SECRET_GRACE_HOURS``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Protocol

from services.notifications.adapters.webhooks import checked_target, new_secret
from services.notifications.domain.signing_secrets import SealedSecret
from services.notifications.domain.targets import TargetRefused, parse_networks
from services.notifications.store import webhooks as store
from services.notifications.usecases.access import own_organisation
from shared.config import Settings
from shared.db import UnitOfWork
from shared.errors import Forbidden, Unprocessable
from shared.principal import Principal

log = logging.getLogger(__name__)


class Sealer(Protocol):
    """What seals a new secret for its endpoint (``domain.signing_secrets.SigningSecrets``)."""

    def seal(self, endpoint_id: str, secret: str) -> SealedSecret: ...


def _check_addresses(settings: Settings, url: str) -> None:
    """Unprocessable naming ``url`` unless every address its host resolves to may be called."""
    allowed = parse_networks(settings.webhook_allowed_networks)
    try:
        checked_target(url, allowed)
    except TargetRefused as exc:
        raise Unprocessable(errors=[{"pointer": "#/url", "detail": str(exc)}]) from None


def list_webhooks(
    principal: Principal,
    uow: UnitOfWork,
    organisation: str | None,
    cursor: str | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Up to ``limit + 1`` live endpoints by id (an integration: its organisation's; asking for
    another's is forbidden); never their secrets."""
    own = own_organisation(principal)
    if own is not None and organisation is not None and organisation != own:
        raise Forbidden("You see only your own organisation's webhooks.")
    return store.page(uow.session, own or organisation, cursor, limit)


def register(
    principal: Principal,
    uow: UnitOfWork,
    settings: Settings,
    secrets: Sealer,
    values: dict[str, Any],
) -> dict[str, Any]:
    """Register an endpoint for some event types (an integration: for its own organisation);
    the endpoint with its signing secret in clear (``secret``), shown this once."""
    own = own_organisation(principal)
    if own is not None and values.setdefault("organisation", own) != own:
        raise Forbidden("An integration registers webhooks for its own organisation only.")
    _check_addresses(settings, values["url"])
    values["event_types"] = sorted(set(values["event_types"]))
    endpoint_id = str(uuid.uuid4())
    secret = new_secret()
    sealed = secrets.seal(endpoint_id, secret)
    row = store.create(uow.session, endpoint_id, values, sealed, principal.subject)
    uow.commit()
    return row | {"secret": secret}


def get_webhook(principal: Principal, uow: UnitOfWork, endpoint_id: str) -> dict[str, Any]:
    """One live endpoint of the caller's; never its secrets."""
    own = own_organisation(principal)
    return store.get(uow.session, endpoint_id, own)


def change(
    principal: Principal,
    uow: UnitOfWork,
    settings: Settings,
    endpoint_id: str,
    values: dict[str, Any],
    expected_version: Callable[[], int],
) -> dict[str, Any]:
    """Change the URL, the event types or the description, from the version
    ``expected_version()`` names — read once the endpoint is found (a precondition is not
    evaluated for what is not there, RFC 9110). Pending deliveries go to the new URL; those of
    event types no longer chosen are cancelled. The signing secret stays."""
    own = own_organisation(principal)
    store.get(uow.session, endpoint_id, own)  # not found before anything else
    uow.rollback()  # no transaction open while the new URL's name is resolved
    expected = expected_version()
    if "url" in values:
        _check_addresses(settings, values["url"])
    if "event_types" in values:
        values["event_types"] = sorted(set(values["event_types"]))
    row = store.change(uow.session, endpoint_id, own, values, expected)
    uow.commit()
    return row


def withdraw(principal: Principal, uow: UnitOfWork, endpoint_id: str) -> None:
    """Withdraw the endpoint; what was still to be sent to it is cancelled, and its secrets
    are erased."""
    own = own_organisation(principal)
    store.delete(uow.session, endpoint_id, own)
    uow.commit()


def rotate_secret(
    principal: Principal,
    uow: UnitOfWork,
    settings: Settings,
    secrets: Sealer,
    endpoint_id: str,
) -> dict[str, Any]:
    """Make a new signing secret; the one it replaces still signs for
    ``WEBHOOK_SECRET_GRACE_HOURS``. The endpoint with the new secret in clear (``secret``),
    shown this once."""
    own = own_organisation(principal)
    secret = new_secret()
    sealed = secrets.seal(endpoint_id, secret)
    grace = timedelta(hours=settings.webhook_secret_grace_hours)
    row = store.rotate(uow.session, endpoint_id, own, sealed, grace)
    uow.commit()
    log.info(
        "webhook endpoint %s: new signing secret made by %s; the previous one signs until %s",
        endpoint_id,
        principal.subject,
        row["previous_secret_expires_at"],
    )
    return row | {"secret": secret}
