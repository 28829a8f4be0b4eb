"""Who calls in the authorisation tests, and the tokens that must never get in.

Eight callers: an admin, a coordinator, and a pilot lead, a pilot worker and an integration each
of the "own" side (pilot-a, org-a: the side every seeded object belongs to) and of the "other"
side (pilot-b, org-b). Bad tokens are made with PyJWT as an attacker or a broken client would:
expired, for another audience, from another issuer, unsigned (``alg: none``), and a valid
token whose signature was altered.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import jwt

from shared.auth import DEV_ALGORITHM, mint_dev_token
from shared.config import Settings

OWN_PILOT, OTHER_PILOT = "pilot-a", "pilot-b"
OWN_ORG, OTHER_ORG = "org-a", "org-b"


@dataclass(frozen=True)
class Caller:
    role: str
    subject: str
    pilots: tuple[str, ...] = ()
    organisation: str | None = None

    def token(self, settings: Settings) -> str:
        return mint_dev_token(
            settings,
            self.role,
            subject=self.subject,
            pilots=self.pilots,
            organisation=self.organisation,
        )


#: The matrix's columns, in this order.
CALLERS: dict[str, Caller] = {
    "admin": Caller("admin", "matrix-admin"),
    "coordinator": Caller("coordinator", "matrix-coordinator", organisation="org-stm"),
    "lead_own": Caller("pilot_lead", "lead-a", (OWN_PILOT,), OWN_ORG),
    "lead_other": Caller("pilot_lead", "lead-b", (OTHER_PILOT,), OTHER_ORG),
    "worker_own": Caller("pilot_worker", "worker-a", (OWN_PILOT,), OWN_ORG),
    "worker_other": Caller("pilot_worker", "worker-b", (OTHER_PILOT,), OTHER_ORG),
    "integration_own": Caller("integration", "integration-a", (OWN_PILOT,), OWN_ORG),
    "integration_other": Caller("integration", "integration-b", (OTHER_PILOT,), OTHER_ORG),
}


def _claims(settings: Settings, **changes: Any) -> dict[str, Any]:
    """An admin's claims (the most a token could grant), as the development issuer makes them."""
    now = int(time.time())
    return {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": "matrix-admin",
        "iat": now,
        "exp": now + 600,
        "role": "admin",
        "pilots": [OWN_PILOT, OTHER_PILOT],
    } | changes


def _signed(settings: Settings, claims: dict[str, Any]) -> str:
    return jwt.encode(claims, settings.dev_jwt_secret, algorithm=DEV_ALGORITHM)


def _altered_signature(token: str) -> str:
    """The token with the first character of its signature changed (that character carries six
    whole bits of the signature, so the bytes surely differ)."""
    header, payload, signature = token.split(".")
    first = "A" if signature[0] != "A" else "B"
    return f"{header}.{payload}.{first}{signature[1:]}"


def bad_authorizations(settings: Settings) -> dict[str, dict[str, str]]:
    """The ``Authorization`` headers (or none) that must be answered 401 wherever a token is
    needed. Every token but the unsigned one is signed with the right key."""
    now = int(time.time())
    tokens = {
        "expired": _signed(settings, _claims(settings, iat=now - 7200, exp=now - 3600)),
        "wrong audience": _signed(settings, _claims(settings, aud="another-service")),
        "wrong issuer": _signed(settings, _claims(settings, iss="https://elsewhere.example")),
        "alg none": jwt.encode(_claims(settings), None, algorithm="none"),
        "tampered signature": _altered_signature(_signed(settings, _claims(settings))),
    }
    return {"no token": {}} | {
        why: {"Authorization": f"Bearer {token}"} for why, token in tokens.items()
    }
