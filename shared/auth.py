"""Bearer JWT verification and the role guard.

In production tokens are verified against the identity provider's published keys (JWKS URL) with
an allow-list of asymmetric algorithms; locally a development issuer signs tokens with a shared
development key (``turvaverkko token``), which production refuses. ``iss``, ``aud``, ``exp`` and
``sub`` are always required. Claims carry the role, the organisation and the pilots of the caller.
"""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import jwt
from flask import Flask, current_app, g, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Forbidden, Unauthorized

from shared.config import Settings
from shared.principal import Principal

ROLES = ("admin", "coordinator", "pilot_lead", "pilot_worker", "integration")
DEV_ALGORITHM = "HS256"
F = TypeVar("F", bound=Callable[..., Any])


class InvalidToken(Exception):
    """The token is missing, malformed, expired, or not ours; the message is safe to show."""


class TokenVerifier:
    """Verifies bearer tokens for one service process."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._jwks: jwt.PyJWKClient | None = None
        if settings.jwks_url:
            self._jwks = jwt.PyJWKClient(settings.jwks_url, cache_keys=True, lifespan=300)
            self._algorithms = list(settings.jwt_algorithms)
        else:
            self._algorithms = [DEV_ALGORITHM]
        self._verified: dict[str, tuple[Principal, float]] = {}

    #: A verified token is remembered for this long (at most until it expires): verifying a
    #: signature costs more than the rest of a small request. Kept short so that a key withdrawn
    #: from the JWKS stops working within a minute.
    CACHE_SECONDS = 60.0
    CACHE_SIZE = 10_000

    def verify(self, token: str) -> Principal:
        """The caller a token names, or ``InvalidToken``; verified tokens are remembered."""
        now = time.time()
        cached = self._verified.get(token)
        if cached is not None and now < cached[1]:
            return cached[0]
        principal, expires = self._verify(token)
        if len(self._verified) >= self.CACHE_SIZE:
            self._verified.clear()
        self._verified[token] = (principal, min(expires, now + self.CACHE_SECONDS))
        return principal

    def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            if self._jwks is not None:
                key: Any = self._jwks.get_signing_key_from_jwt(token).key
            else:
                key = self._settings.dev_jwt_secret
            claims = jwt.decode(
                token,
                key,
                algorithms=self._algorithms,
                audience=self._settings.jwt_audience,
                issuer=self._settings.jwt_issuer,
                leeway=self._settings.jwt_leeway_seconds,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("The token has expired.") from None
        except jwt.PyJWTError:
            raise InvalidToken("The token is not valid.") from None
        return _principal(claims), float(claims["exp"])


def _principal(claims: dict[str, Any]) -> Principal:
    role = claims.get("role")
    if role not in ROLES:
        raise InvalidToken("The token names no known role.")
    pilots = claims.get("pilots", [])
    if not isinstance(pilots, list) or not all(isinstance(p, str) for p in pilots):
        raise InvalidToken("The token's pilots claim must be a list of pilot ids.")
    org = claims.get("org")
    return Principal(str(claims["sub"]), role, str(org) if org else None, frozenset(pilots))


def mint_dev_token(
    settings: Settings,
    role: str,
    *,
    subject: str | None = None,
    pilots: Iterable[str] = (),
    organisation: str | None = None,
    ttl_seconds: int | None = None,
) -> str:
    """A token from the development issuer, for local use and tests. Refused in production."""
    if settings.env == "production" or settings.jwks_url:
        raise RuntimeError("development tokens are not accepted where a JWKS URL is configured")
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": subject or f"dev-{role}",
        "iat": now,
        "exp": now + (ttl_seconds or settings.dev_token_ttl_seconds),
        "role": role,
        "pilots": sorted(set(pilots)),
    }
    if organisation:
        claims["org"] = organisation
    return jwt.encode(claims, settings.dev_jwt_secret, algorithm=DEV_ALGORITHM)


def install(app: Flask, verifier: TokenVerifier, public_blueprints: frozenset[str]) -> None:
    """Require a valid bearer token on every endpoint outside ``public_blueprints``."""

    @app.before_request
    def _authenticate() -> None:
        if request.routing_exception is not None or request.blueprint in public_blueprints:
            return  # let 404/405 through; health, docs and metrics are open
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthorized("Send a bearer token in the Authorization header.")
        try:
            g.principal = verifier.verify(token.strip())
        except InvalidToken as exc:
            raise _unauthorized(str(exc), error="invalid_token") from None


def _unauthorized(detail: str, error: str | None = None) -> Unauthorized:
    params: dict[str, str | None] = {"realm": "turvaverkko"}
    if error:
        params["error"] = error
    return Unauthorized(detail, www_authenticate=WWWAuthenticate("Bearer", params))


def current_principal() -> Principal:
    principal = g.get("principal")
    if principal is None:
        raise _unauthorized("Send a bearer token in the Authorization header.")
    return principal


def require_roles(*roles: str) -> Callable[[F], F]:
    """Allow a view only to the given roles (403 for the others)."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")

    def decorate(view: F) -> F:
        # Decided once, not per request: Flask's ensure_sync inspects the view every call.
        asynchronous = inspect.iscoroutinefunction(view)

        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            principal = current_principal()
            if principal.role not in roles:
                raise Forbidden(f"This needs one of the roles: {', '.join(roles)}.")
            if asynchronous:
                return current_app.ensure_sync(view)(*args, **kwargs)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate
