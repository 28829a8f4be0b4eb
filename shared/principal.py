"""Who is calling — what every layer may know of the caller, without Flask: the token's subject,
role, organisation and pilots (``shared.auth`` makes one from a verified token)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's subject, role, organisation and pilots."""

    subject: str
    role: str
    organisation: str | None
    pilots: frozenset[str]

    def in_pilot(self, pilot_id: str) -> bool:
        return pilot_id in self.pilots
