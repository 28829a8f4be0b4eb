"""Webhooks: a signed POST to a receiver an organisation registered, checked against server-side
request forgery first.

Signed by the Standard Webhooks specification: ``webhook-id`` (the delivery's message id, the
same on every retry, so the receiver can tell a retry from a new message), ``webhook-timestamp``
and ``webhook-signature`` (``v1,`` + base64 HMAC-SHA-256 of ``id.timestamp.body`` with the
endpoint's secret), which the ``standardwebhooks`` library verifies. While a rotated secret's
grace period lasts, the header carries one signature per secret, space-separated (the current
secret's first): a receiver verifies with whichever of them it holds.

Before every request the host name is resolved again and every address checked
(``domain.targets``); the request then goes to the address that was checked — the ``Host``
header and the TLS server name keep the registered name — so a name that resolves to an inside
address by the time of sending (DNS rebinding) is never called. Redirects are not followed and
proxies from the environment are not used. Any answer but 2xx, and any network error or timeout,
is worth trying again.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from socket import SOCK_STREAM, gaierror, getaddrinfo
from typing import Any

import httpx
from standardwebhooks.webhooks import Webhook

from services.notifications.adapters.outcome import DELIVERED, Sent
from services.notifications.domain.targets import (
    IPAddress,
    IPNetwork,
    Target,
    TargetRefused,
    check_addresses,
    literal_address,
    parse_networks,
    parse_target,
)
from shared.config import Settings

USER_AGENT = "Turvaverkko-Webhooks/1"


def new_secret() -> str:
    """A signing secret in the Standard Webhooks form: ``whsec_`` + base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def resolve(target: Target) -> list[IPAddress]:
    """Every address the target's host resolves to (the host itself if it is an address)."""
    literal = literal_address(target.host)
    if literal is not None:
        return [literal]
    try:
        found = getaddrinfo(target.host, target.port, type=SOCK_STREAM)
    except (gaierror, UnicodeError):
        return []
    addresses: dict[IPAddress, None] = {}
    for _family, _type, _proto, _name, sockaddr in found:
        address = literal_address(str(sockaddr[0]).split("%", 1)[0])  # drop an IPv6 zone
        if address is not None:
            addresses[address] = None
    return list(addresses)


def checked_target(url: str, allowed: tuple[IPNetwork, ...]) -> tuple[Target, list[IPAddress]]:
    """The target and its addresses if every one of them may be called; ``TargetRefused``
    (with a message safe to show) otherwise."""
    target = parse_target(url)
    addresses = resolve(target)
    check_addresses(addresses, allowed)
    return target, addresses


def signed_headers(
    secrets: Sequence[str], message_id: str, body: str, at: datetime
) -> dict[str, str]:
    """The Standard Webhooks headers, with a ``v1,…`` signature by each secret."""
    if not secrets:
        raise ValueError("a webhook needs at least one signing secret")
    signatures = " ".join(Webhook(secret).sign(message_id, at, body) for secret in secrets)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signatures,
    }


class WebhookClient:
    """Sends webhooks; one per process, safe to share between threads."""

    def __init__(self, settings: Settings) -> None:
        self.allowed = parse_networks(settings.webhook_allowed_networks)
        self._http = httpx.Client(
            timeout=settings.webhook_timeout, follow_redirects=False, trust_env=False
        )

    def close(self) -> None:
        self._http.close()

    def send(self, url: str, secrets: Sequence[str], message_id: str, body: str) -> Sent:
        """POST the body signed by every one of ``secrets`` (the current one first)."""
        try:
            target, addresses = checked_target(url, self.allowed)
        except TargetRefused as exc:
            return Sent("retry", None, f"TargetRefused: {exc}")
        # The signature's time is the wall clock's: the receiver compares it with its own.
        headers = signed_headers(secrets, message_id, body, datetime.now(UTC)) | {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "host": _host_header(target),
        }
        extensions: dict[str, Any] = {}
        if target.scheme == "https" and literal_address(target.host) is None:
            extensions["sni_hostname"] = target.host
        try:
            response = self._http.post(
                target.pinned_url(addresses[0]),
                content=body.encode(),
                headers=headers,
                extensions=extensions,
            )
        except httpx.HTTPError as exc:
            return Sent("retry", None, type(exc).__name__)
        if 200 <= response.status_code < 300:
            return Sent(DELIVERED.outcome, response.status_code)
        return Sent("retry", response.status_code, f"HTTP {response.status_code}")


def _host_header(target: Target) -> str:
    host = f"[{target.host}]" if ":" in target.host else target.host
    default = 443 if target.scheme == "https" else 80
    return host if target.port == default else f"{host}:{target.port}"
