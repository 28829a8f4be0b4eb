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

No connection is used for two requests. Connections would be pooled by the address they go to,
but a TLS connection's certificate is checked against the host name it was made for, once, when it
is made: a request to another name at the same address must not ride on it. Each request has one
deadline, ``WEBHOOK_TIMEOUT`` from its start, however the time is spent (httpx's own timeouts bound
each read, so a receiver trickling its answer a byte at a time would otherwise hold the sender as
long as it liked); only the status line and headers are read, never the body.
"""

from __future__ import annotations

import base64
import contextlib
import secrets
import socket
import ssl
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from socket import SOCK_STREAM, gaierror, getaddrinfo
from types import TracebackType
from typing import Any

import httpx
from standardwebhooks.webhooks import Webhook

from services.notifications.domain.outcome import DELIVERED, Sent
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
    """Sends webhooks; one per process, safe to share between threads.

    ``verify`` is how receivers' certificates are checked: the system's certificate authorities
    unless a test gives an ``ssl.SSLContext`` that trusts its own."""

    def __init__(self, settings: Settings, *, verify: ssl.SSLContext | bool = True) -> None:
        self.allowed = parse_networks(settings.webhook_allowed_networks)
        self.timeout = settings.webhook_timeout
        self._http = httpx.Client(
            timeout=settings.webhook_timeout,
            follow_redirects=False,
            trust_env=False,
            verify=verify,
            # A connection is closed once its response is: none is kept for the next request.
            limits=httpx.Limits(max_keepalive_connections=0),
            # No cookie is kept: one receiver's would otherwise go to another at the same address.
            cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
        )

    def close(self) -> None:
        self._http.close()

    def send(self, url: str, secrets: Sequence[str], message_id: str, body: str) -> Sent:
        """POST the body signed by every one of ``secrets`` (the current one first); the whole
        request ends within the timeout."""
        try:
            target, addresses = checked_target(url, self.allowed)
        except TargetRefused as exc:
            return Sent("retry", None, f"TargetRefused: {exc}")
        # The signature's time is the wall clock's: the receiver compares it with its own.
        headers = signed_headers(secrets, message_id, body, datetime.now(UTC)) | {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "host": _host_header(target),
            "connection": "close",
        }
        deadline = Deadline(self.timeout)
        extensions: dict[str, Any] = {"trace": deadline.trace}
        if target.scheme == "https" and literal_address(target.host) is None:
            extensions["sni_hostname"] = target.host
        try:
            with (
                deadline,
                self._http.stream(
                    "POST",
                    target.pinned_url(addresses[0]),
                    content=body.encode(),
                    headers=headers,
                    extensions=extensions,
                ) as response,
            ):
                status = response.status_code  # the body is never read
        except httpx.HTTPError as exc:
            return Sent("retry", None, "Timeout" if deadline.expired else type(exc).__name__)
        if 200 <= status < 300:
            return Sent(DELIVERED.outcome, status)
        return Sent("retry", status, f"HTTP {status}")


class Deadline:
    """Ends a request still running ``seconds`` after it began, wherever it is waiting: its
    connection is shut down, which wakes a read or a write blocked on it.

    The connection's socket is learnt through httpcore's ``trace`` extension when it is made
    (a connection made after the deadline is shut down at once). A duplicate of the socket is
    kept, so that the connection can still be reached after TLS has taken the socket over."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        self._done = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        self._timer.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._timer.cancel()
        with self._lock:
            self._done = True
            kept, self._socket = self._socket, None
        if kept is not None:
            kept.close()  # the duplicate only: the connection is httpx's to close

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's ``trace`` callback: keeps the connection's socket when it is made."""
        if event != "connection.connect_tcp.complete":
            return
        kept = info["return_value"].get_extra_info("socket").dup()
        with self._lock:
            if self._done:
                kept.close()
                return
            self._socket = kept
            if self.expired:
                _shut(kept)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            if self._socket is not None:
                _shut(self._socket)


def _shut(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):  # closed already
        connection.shutdown(socket.SHUT_RDWR)


def _host_header(target: Target) -> str:
    host = f"[{target.host}]" if ":" in target.host else target.host
    default = 443 if target.scheme == "https" else 80
    return host if target.port == default else f"{host}:{target.port}"
