"""Webhook signing secrets at rest: AES-256-GCM under a key kept outside the database, stored with
the key's id so that keys can rotate.

A signing secret lets whoever holds it forge webhooks that a regional system trusts, so the
database never holds one in clear: each is sealed with a fresh 96-bit nonce under the current key
(``WEBHOOK_SECRET_KEY_ID`` of ``WEBHOOK_SECRET_KEYS``), and the endpoint's id is the associated
data — a ciphertext copied onto another endpoint does not open. Keys are configured like the
pseudonym keys (``id:base64key[,id:base64key…]``, 32 bytes each); a secret sealed under an older
key opens as long as that key is still listed.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.config import PREFIX, ConfigError

KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # the size GCM is made for; random, so never reused in practice
SETTING = f"{PREFIX}WEBHOOK_SECRET_KEYS"


class KeyConfigurationError(ConfigError):
    """The webhook secret keys in the environment cannot be used (the message shows no key)."""


class SecretUnreadable(Exception):
    """A sealed secret does not open: its key is no longer configured, or the ciphertext was
    altered or belongs to another endpoint. The message names the key id only."""


@dataclass(frozen=True)
class SealedSecret:
    """A signing secret as stored: which key sealed it, the nonce, and the ciphertext (with the
    GCM tag)."""

    key_id: str
    nonce: bytes = field(repr=False)
    ciphertext: bytes = field(repr=False)


class SigningSecrets:
    """Seals webhook signing secrets with the current key and opens them with any configured one."""

    def __init__(self, keys: Mapping[str, bytes], current_key_id: str) -> None:
        if current_key_id not in keys:
            raise KeyConfigurationError(
                f"{SETTING} has no key with the id {current_key_id!r} "
                f"({PREFIX}WEBHOOK_SECRET_KEY_ID)"
            )
        for key_id, key in keys.items():
            if len(key) != KEY_BYTES:
                raise KeyConfigurationError(
                    f"{SETTING}: key {key_id!r} must be {KEY_BYTES} bytes, not {len(key)}"
                )
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self.key_id = current_key_id

    @classmethod
    def from_setting(cls, keys: str, current_key_id: str) -> SigningSecrets:
        """``keys`` is ``id:base64key[,id:base64key…]`` (from the environment or a secret store)."""
        parsed: dict[str, bytes] = {}
        for entry in filter(None, (part.strip() for part in keys.split(","))):
            key_id, separator, encoded = entry.partition(":")
            key_id = key_id.strip()
            if not separator or not key_id:
                raise KeyConfigurationError(f"{SETTING}: write each key as id:base64key")
            if key_id in parsed:
                raise KeyConfigurationError(f"{SETTING}: the key id {key_id!r} appears twice")
            try:
                parsed[key_id] = base64.b64decode(encoded.strip(), validate=True)
            except (binascii.Error, ValueError):
                raise KeyConfigurationError(
                    f"{SETTING}: key {key_id!r} is not valid base64"
                ) from None
        return cls(parsed, current_key_id)

    def seal(self, endpoint_id: str, secret: str) -> SealedSecret:
        """The secret encrypted under the current key, bound to the endpoint."""
        nonce = os.urandom(NONCE_BYTES)
        ciphertext = self._ciphers[self.key_id].encrypt(
            nonce, secret.encode(), endpoint_id.encode()
        )
        return SealedSecret(self.key_id, nonce, ciphertext)

    def open(self, endpoint_id: str, sealed: SealedSecret) -> str:
        """The secret in clear; ``SecretUnreadable`` if it cannot be opened for this endpoint."""
        cipher = self._ciphers.get(sealed.key_id)
        if cipher is None:
            raise SecretUnreadable(f"the key {sealed.key_id!r} is not configured ({SETTING})")
        try:
            plaintext = cipher.decrypt(sealed.nonce, sealed.ciphertext, endpoint_id.encode())
        except InvalidTag:
            raise SecretUnreadable(
                f"the secret sealed under the key {sealed.key_id!r} does not open for this "
                "endpoint (altered, or another endpoint's)"
            ) from None
        return plaintext.decode()
