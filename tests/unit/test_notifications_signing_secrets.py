"""Webhook signing secrets at rest: sealed with AES-256-GCM under the current key, bound to their
endpoint, opened with any configured key; keys configured like the pseudonym keys; and during a
rotation a webhook carries one signature per secret, each of which ``standardwebhooks`` accepts."""

from __future__ import annotations

import base64
import dataclasses
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from services.notifications.adapters.webhooks import new_secret, signed_headers
from services.notifications.domain.signing_secrets import (
    KeyConfigurationError,
    SecretUnreadable,
    SigningSecrets,
)
from shared.config import ConfigError, Settings

K1 = base64.b64encode(b"1" * 32).decode()
K2 = base64.b64encode(b"2" * 32).decode()
ENDPOINT = "0b7f3c2e-6a51-4d0e-9a57-0f1f6a3b9c11"


def test_a_sealed_secret_opens_to_itself_and_holds_nothing_of_it_in_clear() -> None:
    signing = SigningSecrets.from_setting(f"k1:{K1}", "k1")
    secret = new_secret()
    body = secret.removeprefix("whsec_")
    sealed = signing.seal(ENDPOINT, secret)
    assert sealed.key_id == "k1" and len(sealed.nonce) == 12
    assert signing.open(ENDPOINT, sealed) == secret
    stored = sealed.nonce + sealed.ciphertext
    for clear in (secret.encode(), body.encode(), base64.b64decode(body)):
        assert clear not in stored
    assert secret not in repr(sealed) and body not in repr(sealed)
    again = signing.seal(ENDPOINT, secret)
    assert (again.nonce, again.ciphertext) != (sealed.nonce, sealed.ciphertext)  # fresh nonce


def test_a_secret_does_not_open_for_another_endpoint_nor_once_altered() -> None:
    signing = SigningSecrets.from_setting(f"k1:{K1}", "k1")
    secret = new_secret()
    sealed = signing.seal(ENDPOINT, secret)
    with pytest.raises(SecretUnreadable) as moved:
        signing.open("another-endpoint", sealed)
    flipped = bytes([sealed.ciphertext[0] ^ 1]) + sealed.ciphertext[1:]
    with pytest.raises(SecretUnreadable):
        signing.open(ENDPOINT, dataclasses.replace(sealed, ciphertext=flipped))
    with pytest.raises(SecretUnreadable):
        signing.open(ENDPOINT, dataclasses.replace(sealed, nonce=bytes(12)))
    assert secret not in str(moved.value) and "'k1'" in str(moved.value)


def test_secrets_sealed_under_an_older_key_open_while_it_is_configured() -> None:
    secret = new_secret()
    old = SigningSecrets.from_setting(f"k1:{K1}", "k1").seal(ENDPOINT, secret)
    rotated = SigningSecrets.from_setting(f"k1:{K1}, k2:{K2}", "k2")
    assert rotated.open(ENDPOINT, old) == secret
    assert rotated.seal(ENDPOINT, secret).key_id == "k2"
    retired = SigningSecrets.from_setting(f"k2:{K2}", "k2")
    with pytest.raises(SecretUnreadable, match="'k1' is not configured"):
        retired.open(ENDPOINT, old)


@pytest.mark.parametrize(
    ("keys", "current", "why"),
    [
        (f"k1:{K1}", "k2", "no key with the id 'k2'"),
        ("k1:" + base64.b64encode(b"x" * 16).decode(), "k1", "must be 32 bytes, not 16"),
        ("k1:" + base64.b64encode(b"x" * 48).decode(), "k1", "must be 32 bytes, not 48"),
        ("k1:not-base64!", "k1", "'k1' is not valid base64"),
        (K1, "k1", "write each key as id:base64key"),
        (f":{K1}", "k1", "write each key as id:base64key"),
        (f"k1:{K1},k1:{K2}", "k1", "'k1' appears twice"),
        ("", "dev", "no key with the id 'dev'"),
    ],
)
def test_unusable_keys_are_refused_naming_the_setting_and_never_a_key(
    keys: str, current: str, why: str
) -> None:
    with pytest.raises(KeyConfigurationError) as refused:
        SigningSecrets.from_setting(keys, current)
    message = str(refused.value)
    assert why in message and "TURVAVERKKO_WEBHOOK_SECRET_KEYS" in message
    assert K1 not in message and K2 not in message
    assert isinstance(refused.value, ConfigError)  # the CLI reports it like any setting


def test_the_development_default_is_a_usable_key() -> None:
    settings = Settings.from_env({})
    signing = SigningSecrets.from_setting(
        settings.webhook_secret_keys, settings.webhook_secret_key_id
    )
    secret = new_secret()
    assert signing.open(ENDPOINT, signing.seal(ENDPOINT, secret)) == secret


def test_during_a_rotation_either_secret_verifies_and_neither_alone_afterwards_forges() -> None:
    old, new = new_secret(), new_secret()
    body = '{"type":"task.due","timestamp":"2026-12-01T08:00:00+00:00","data":{}}'
    at = datetime.now(UTC)
    both = signed_headers([new, old], "msg_1", body, at)
    assert len(both["webhook-signature"].split(" ")) == 2
    assert all(s.startswith("v1,") for s in both["webhook-signature"].split(" "))
    assert Webhook(old).verify(body, both) == Webhook(new).verify(body, both)
    only_new = signed_headers([new], "msg_1", body, at)
    assert only_new["webhook-signature"] == both["webhook-signature"].split(" ")[0]
    Webhook(new).verify(body, only_new)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(body, only_new)
    with pytest.raises(ValueError, match="at least one"):
        signed_headers([], "msg_1", body, at)
