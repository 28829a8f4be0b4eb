"""Bearer tokens: development tokens locally; in production only asymmetric tokens verified
against the identity provider's JWKS, with issuer, audience and expiry checked."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from shared.auth import InvalidToken, TokenVerifier, mint_dev_token
from shared.config import Settings


def test_development_token_round_trips_its_claims() -> None:
    settings = Settings.from_env({})
    token = mint_dev_token(
        settings, "pilot_worker", pilots=["p2", "p1"], organisation="org-9", subject="worker-1"
    )
    principal = TokenVerifier(settings).verify(token)
    assert principal.subject == "worker-1" and principal.role == "pilot_worker"
    assert principal.pilots == {"p1", "p2"} and principal.organisation == "org-9"
    assert principal.in_pilot("p1") and not principal.in_pilot("p3")


def test_development_tokens_cannot_be_minted_where_a_jwks_is_configured() -> None:
    settings = Settings.from_env({}, jwks_url="https://idp.example/jwks")
    with pytest.raises(RuntimeError):
        mint_dev_token(settings, "admin")


@pytest.fixture
def identity_provider() -> Iterator[tuple[str, rsa.RSAPrivateKey]]:
    """A local JWKS endpoint on loopback publishing one RSA key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    body = json.dumps({"keys": [jwk | {"kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/jwks", key
    server.shutdown()
    server.server_close()


def _claims(**changes: object) -> dict:
    now = int(time.time())
    return {
        "iss": "https://idp.example",
        "aud": "turvaverkko",
        "sub": "u1",
        "exp": now + 60,
        "role": "coordinator",
        "org": "stm",
    } | changes


def test_production_verifies_rs256_against_the_jwks(identity_provider) -> None:
    url, key = identity_provider
    settings = dataclasses.replace(
        Settings.from_env({}), jwks_url=url, jwt_issuer="https://idp.example"
    )
    verifier = TokenVerifier(settings)
    token = jwt.encode(_claims(), key, algorithm="RS256", headers={"kid": "k1"})
    assert verifier.verify(token).role == "coordinator"

    refused = {
        "development key (HS256)": mint_dev_token(Settings.from_env({}), "admin"),
        "wrong issuer": jwt.encode(
            _claims(iss="https://evil.example"), key, algorithm="RS256", headers={"kid": "k1"}
        ),
        "expired": jwt.encode(
            _claims(exp=int(time.time()) - 3600), key, algorithm="RS256", headers={"kid": "k1"}
        ),
        "no expiry": jwt.encode(
            {k: v for k, v in _claims().items() if k != "exp"},
            key,
            algorithm="RS256",
            headers={"kid": "k1"},
        ),
    }
    for why, bad in refused.items():
        with pytest.raises(InvalidToken):
            verifier.verify(bad)
            pytest.fail(f"accepted a token with {why}")


def test_a_verified_token_is_remembered_until_the_cache_or_the_token_runs_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = Settings.from_env({})
    verifier = TokenVerifier(settings)
    token = mint_dev_token(settings, "pilot_worker", subject="worker-1", ttl_seconds=600)
    short = mint_dev_token(settings, "pilot_worker", subject="worker-2", ttl_seconds=5)
    decoded: list[str] = []
    real_decode = jwt.decode

    def counting_decode(*args: object, **kwargs: object) -> object:
        decoded.append("once")
        return real_decode(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(jwt, "decode", counting_decode)
    assert verifier.verify(token).subject == "worker-1"
    assert verifier.verify(token).subject == "worker-1"
    assert len(decoded) == 1, "the second call was answered from the cache"

    later = time.time() + TokenVerifier.CACHE_SECONDS + 1
    monkeypatch.setattr(time, "time", lambda: later)
    assert verifier.verify(token).subject == "worker-1"
    assert len(decoded) == 2, "past the cache time the signature is checked again"

    expires = real_decode(short, options={"verify_signature": False})["exp"]
    monkeypatch.setattr(time, "time", lambda: expires - 2)
    verifier.verify(short)
    verifier.verify(short)
    assert len(decoded) == 3
    monkeypatch.setattr(time, "time", lambda: expires + 1)
    verifier.verify(short)  # still within the verifier's leeway, but not served from the cache
    assert len(decoded) == 4, "a token is never remembered past its own expiry"


def test_a_token_expired_within_the_leeway_is_accepted_and_beyond_it_refused() -> None:
    settings = Settings.from_env({})  # the default leeway: 5 s
    verifier = TokenVerifier(settings)
    now = int(time.time())

    def expired(seconds_ago: int) -> str:
        claims = {
            "iss": settings.jwt_issuer,
            "aud": settings.jwt_audience,
            "sub": "worker-1",
            "exp": now - seconds_ago,
            "role": "pilot_worker",
        }
        return jwt.encode(claims, settings.dev_jwt_secret, algorithm="HS256")

    assert verifier.verify(expired(1)).subject == "worker-1"
    for beyond in (10, 30):  # 30 s: what the verifier used to allow
        with pytest.raises(InvalidToken, match="expired"):
            verifier.verify(expired(beyond))
