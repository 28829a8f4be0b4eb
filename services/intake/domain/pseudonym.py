"""Keyed pseudonyms: HMAC-SHA-256 of a normalised identifier with a secret key kept outside the
database, stored with the key's id so that keys can rotate.

A plain hash would not do: every valid henkilötunnus can be enumerated in minutes. The same person
gets the same pseudonym in every pilot (the key is not per pilot), which is what lets distinct
young people be counted across pilots. Identity codes and regional client numbers live in separate
namespaces, so the two can never collide.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from services.intake.domain.hetu import IdentityCode
from services.intake.domain.identifiers import normalise_identifier
from services.intake.domain.sealed_files import FileSeal, derive_file_key

MIN_KEY_BYTES = 32


class KeyConfigurationError(ValueError):
    pass


@dataclass(frozen=True)
class Pseudonym:
    key_id: str
    value: str  # 64 hex characters


class Pseudonymiser:
    """Turns identifiers into pseudonyms with the current key."""

    def __init__(self, keys: Mapping[str, bytes], current_key_id: str) -> None:
        if current_key_id not in keys:
            raise KeyConfigurationError(f"no key with id {current_key_id!r}")
        for key_id, key in keys.items():
            if len(key) < MIN_KEY_BYTES:
                raise KeyConfigurationError(f"key {key_id!r} is shorter than {MIN_KEY_BYTES} bytes")
        self._keys = dict(keys)
        self.key_id = current_key_id

    @classmethod
    def from_setting(cls, keys: str, current_key_id: str) -> Pseudonymiser:
        """``keys`` is ``id:base64key[,id:base64key…]`` (from the environment or a secret store)."""
        parsed: dict[str, bytes] = {}
        for entry in filter(None, (part.strip() for part in keys.split(","))):
            key_id, _, encoded = entry.partition(":")
            try:
                parsed[key_id.strip()] = base64.b64decode(encoded.strip(), validate=True)
            except (binascii.Error, ValueError):
                raise KeyConfigurationError(f"key {key_id!r} is not valid base64") from None
        return cls(parsed, current_key_id)

    @property
    def earlier_key_ids(self) -> tuple[str, ...]:
        """Keys still configured besides the current one: during a rotation, events also carry
        the pseudonyms under these, so that consumers can link a person across the rotation."""
        return tuple(sorted(k for k in self._keys if k != self.key_id))

    def file_seal(self) -> FileSeal:
        """What seals uploaded files at rest: keys derived from these pseudonym keys, the current
        one for new uploads."""
        return FileSeal(
            {key_id: derive_file_key(key) for key_id, key in self._keys.items()}, self.key_id
        )

    def _digest(self, message: bytes, key_id: str | None = None) -> Pseudonym:
        key_id = key_id or self.key_id
        # hmac.digest: the same HMAC-SHA256 in one call into OpenSSL (no HMAC object per item).
        digest = hmac.digest(self._keys[key_id], message, "sha256").hex()
        return Pseudonym(key_id, digest)

    def of_identity_code(self, code: IdentityCode, key_id: str | None = None) -> Pseudonym:
        return self._digest(b"hetu\x1f" + code.normalized.encode(), key_id)

    def of_regional_client(
        self, system: str, client_id: str, key_id: str | None = None
    ) -> Pseudonym:
        system, client_id = normalise_identifier(system).lower(), normalise_identifier(client_id)
        message = f"regional\x1f{system}\x1f{client_id}".encode()
        return self._digest(message, key_id)
