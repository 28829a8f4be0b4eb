"""The tamper-evident chain of an append-only audit table, one way for every service.

Each entry's ``hash`` is the SHA-256 of the previous entry's hash and the entry's own fields
(joined by U+001F), so an entry changed or removed by someone who got round the table's
append-only trigger breaks the chain from there on (:meth:`HashChain.verify`). Appends are
serialised by a transaction-level advisory lock, so the chain has one order. What an entry holds
is the service's own (``fields``: the strings its hash covers, in a fixed order — changing it
would break every existing chain).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

GENESIS = "0" * 64


class HashChain:
    def __init__(
        self, table: sa.Table, lock_key: int, fields: Callable[[dict[str, Any]], Sequence[str]]
    ) -> None:
        self.table = table
        self.lock_key = lock_key
        self.fields = fields

    def hash(self, entry: dict[str, Any]) -> str:
        return hashlib.sha256(
            "\x1f".join((entry["previous_hash"], *self.fields(entry))).encode()
        ).hexdigest()

    def append(self, session: Session, entries: Sequence[dict[str, Any]]) -> None:
        """The entries, chained after the last one, in the caller's transaction."""
        if not entries:
            return
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": self.lock_key})
        previous = (
            session.execute(
                sa.select(self.table.c.hash).order_by(self.table.c.id.desc()).limit(1)
            ).scalar()
            or GENESIS
        )
        rows = []
        for entry in entries:
            row = dict(entry) | {"previous_hash": previous}
            row["hash"] = previous = self.hash(row)
            rows.append(row)
        session.execute(sa.insert(self.table), rows)

    def verify(self, session: Session) -> list[int]:
        """The ids of entries whose hash or link does not hold (empty: the chain is intact)."""
        broken: list[int] = []
        previous = GENESIS
        for row in session.execute(sa.select(self.table).order_by(self.table.c.id)).mappings():
            entry = dict(row)
            if entry["previous_hash"] != previous or self.hash(entry) != entry["hash"]:
                broken.append(entry["id"])
            previous = entry["hash"]
        return broken
