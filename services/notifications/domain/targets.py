"""Webhook targets and server-side request forgery: which addresses this service may call.

An organisation registers the URL of its receiver; this service then makes requests to it from
inside the platform's network. A URL that points inside — the loopback interface, a private or
link-local network (cloud metadata lives at 169.254.169.254), multicast, reserved or unspecified
addresses — would turn the webhook into a way to reach what the outside must not. So a target
must be ``http`` or ``https``, carry no credentials, and every address its host name resolves
to must be public, unless it lies in a network the operator explicitly allows
(``WEBHOOK_ALLOWED_NETWORKS``). The check is made when a webhook is registered and again before
every request, against the addresses the request is then actually sent to (a name may resolve
differently later: DNS rebinding). Redirects are never followed.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

SCHEMES = ("https", "http")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class TargetRefused(ValueError):
    """The URL may not be called; the message says why and is safe to show."""


@dataclass(frozen=True)
class Target:
    """A parsed webhook URL."""

    url: str
    scheme: str
    host: str
    port: int
    #: The path and query, as sent in the request line.
    path: str

    def pinned_url(self, address: IPAddress) -> str:
        """The URL with the host replaced by an address it resolved to (the connection goes
        there; the ``Host`` header and TLS server name keep the name)."""
        host = f"[{address}]" if address.version == 6 else str(address)
        return f"{self.scheme}://{host}:{self.port}{self.path}"


def parse_target(url: str) -> Target:
    """The URL's parts, or ``TargetRefused`` if it is not a plain http(s) URL with a host."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise TargetRefused("Not a valid URL.") from None
    if parts.scheme not in SCHEMES:
        raise TargetRefused("Only https and http URLs can receive webhooks.")
    if not parts.hostname:
        raise TargetRefused("The URL names no host.")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("Credentials do not belong in the URL; the signature authenticates us.")
    if parts.fragment:
        raise TargetRefused("A webhook URL has no fragment.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(
        url=url,
        scheme=parts.scheme,
        host=parts.hostname,
        port=port or (443 if parts.scheme == "https" else 80),
        path=path,
    )


def literal_address(host: str) -> IPAddress | None:
    """The host as an IP address if it is one."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def parse_networks(networks: Iterable[str]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(n, strict=False) for n in networks)


def refusal(address: IPAddress, allowed: Sequence[IPNetwork] = ()) -> str | None:
    """Why a receiver at ``address`` may not be called, or None if it may."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return refusal(embedded, allowed)
    if any(address.version == net.version and address in net for net in allowed):
        return None
    for kind, found in (
        ("a loopback", address.is_loopback),
        ("an unspecified", address.is_unspecified),
        ("a link-local", address.is_link_local),
        # fec0::/10: deprecated, yet routed inside some networks; Python does not call it private
        ("a site-local", isinstance(address, ipaddress.IPv6Address) and address.is_site_local),
        ("a multicast", address.is_multicast),
        ("a reserved", address.is_reserved),
        ("a private", address.is_private),
        ("a non-public", not address.is_global),
    ):
        if found:
            return f"{kind} address"
    return None


def check_addresses(addresses: Sequence[IPAddress], allowed: Sequence[IPNetwork]) -> None:
    """``TargetRefused`` unless the host resolved and every address it resolved to may be
    called (one internal address among public ones is enough to refuse)."""
    if not addresses:
        raise TargetRefused("The host name does not resolve.")
    for address in addresses:
        why = refusal(address, allowed)
        if why is not None:
            raise TargetRefused(
                f"The host resolves to {why}; webhooks are sent only to public addresses."
            )
