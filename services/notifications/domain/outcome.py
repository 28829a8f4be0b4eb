"""What one attempt to send came to, whichever the channel."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sent:
    """``delivered``; ``retry`` (worth trying again later); or ``failed`` (never will be).

    ``status_code`` is the receiver's HTTP status or the SMTP server's reply code; ``error`` names
    what went wrong by kind (``HTTP 503``, ``ConnectError``, ``SMTP 550``) — never a body, an
    address or a secret, as it is kept in the delivery log.
    """

    outcome: str
    status_code: int | None = None
    error: str | None = None


DELIVERED = Sent("delivered")
