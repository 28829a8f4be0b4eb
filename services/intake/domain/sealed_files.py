"""An uploaded file at rest: sealed chunk by chunk with AES-256-GCM while it waits for its import.

An import's file is the one place where identity codes exist at rest, from the upload until the
import ends (then it is erased). Sealed, a dump, a backup or the write-ahead log of intake's
database holds only ciphertext. The key is derived (HKDF-SHA-256, a label of its own) from the
pseudonym key the job names, so it lives outside the database with the other intake secret and
rotates with it; each chunk has a fresh 96-bit nonce, and the job id and chunk number are its
associated data, so a chunk moved to another job or place does not open.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12
_LABEL = b"turvaverkko/intake/import-file/v1"


class SealBroken(Exception):
    """A stored chunk does not open: its key is no longer configured, or it was altered or moved.
    The message names the job and chunk number only."""


def derive_file_key(pseudonym_key: bytes) -> bytes:
    """The 256-bit file-sealing key that belongs to one pseudonym key."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_LABEL).derive(pseudonym_key)


class FileSeal:
    """Seals chunks under the current key and opens them under any configured one."""

    def __init__(self, file_keys: Mapping[str, bytes], current_key_id: str) -> None:
        if current_key_id not in file_keys:
            raise ValueError(f"no file key with id {current_key_id!r}")
        self._ciphers = {key_id: AESGCM(key) for key_id, key in file_keys.items()}
        self.key_id = current_key_id

    @staticmethod
    def _associated(import_id: str, seq: int) -> bytes:
        return f"{import_id}\x1f{seq}".encode()

    def seal(self, import_id: str, seq: int, data: bytes) -> bytes:
        """Nonce and ciphertext (with its tag) of one chunk, under the current key."""
        nonce = os.urandom(NONCE_BYTES)
        cipher = self._ciphers[self.key_id]
        return nonce + cipher.encrypt(nonce, data, self._associated(import_id, seq))

    def open(self, key_id: str, import_id: str, seq: int, sealed: bytes) -> bytes:
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise SealBroken(f"import {import_id}: the key {key_id!r} is no longer configured")
        try:
            return cipher.decrypt(
                sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], self._associated(import_id, seq)
            )
        except InvalidTag:
            raise SealBroken(f"import {import_id}: chunk {seq} does not open") from None
