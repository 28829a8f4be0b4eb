"""A table of versioned reference rows as a repository: read one (NotFound), create one (Conflict if
its key is taken), change one only from the version the caller read (PreconditionFailed
otherwise). The SQL is ``shared.records``'s, the one way of every service; this only names the
table, its key and what a row is called in an answer ("No such activity.")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from shared import records


@dataclass(frozen=True)
class Versioned:
    """The rows of ``table``, found by their ``key`` column; ``what`` names one in refusals."""

    table: sa.Table
    key: str
    what: str

    def get(self, session: Session, value: str) -> dict[str, Any]:
        return records.get(session, self.table, self.key, value, self.what)

    def create(self, session: Session, values: Mapping[str, Any]) -> dict[str, Any]:
        return records.create(session, self.table, values, self.what)

    def update(
        self,
        session: Session,
        value: str,
        expected_version: int,
        values: Mapping[str, Any],
    ) -> dict[str, Any]:
        return records.update(
            session, self.table, self.key, value, expected_version, values, self.what
        )
