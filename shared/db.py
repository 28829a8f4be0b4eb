"""Engine and session per service, and the unit of work.

A unit of work is one database transaction. It rolls back unless ``commit()`` was called, and the
domain events it collects are written to the outbox in the same transaction as the change they
describe, so that a change and its event are stored together or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from types import TracebackType

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from shared.messaging.envelope import Envelope


def make_engine(url: str, *, pool_size: int = 5, application_name: str = "turvaverkko") -> Engine:
    """An engine for one service's database; connections are checked before use."""
    return sa.create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        connect_args={"application_name": application_name, "connect_timeout": 5},
    )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


class UnitOfWork:
    """One transaction: ``with uow: ...; uow.commit()``. Leaving the block without commit rolls back."""

    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self._session_factory = session_factory
        self._session: Session | None = None
        self._events: list[Envelope] = []

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is used outside its `with` block")
        return self._session

    def __enter__(self) -> UnitOfWork:
        self._session = self._session_factory()
        self._events = []
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._session is not None
        try:
            self._session.rollback()  # a no-op after commit(); undoes everything otherwise
        finally:
            self._session.close()
            self._session = None
            self._events = []

    def publish(self, event: Envelope) -> None:
        """Queue a domain event; it is written to the outbox when the unit of work commits."""
        self._events.append(event)

    def commit(self) -> None:
        session = self.session
        if self._events:
            write_outbox(session, self._events)
            self._events = []
        session.commit()

    def rollback(self) -> None:
        self._events = []
        self.session.rollback()


# The whole batch as one JSON document: one statement, parsed once, whatever the number of events.
_WRITE_OUTBOX = sa.text(
    "INSERT INTO outbox (event_id, event_type, headers, payload) "
    "SELECT event_id, event_type, headers, convert_to(payload, 'UTF8') "
    "FROM jsonb_to_recordset(CAST(:rows AS jsonb)) "
    "AS r(event_id text, event_type text, headers jsonb, payload text)"
)


def write_outbox(session: Session, events: list[Envelope]) -> None:
    """Write events to the outbox (inside the caller's transaction)."""
    rows = [
        {
            "event_id": e.id,
            "event_type": e.type,
            "headers": e.amqp_headers(),
            "payload": e.to_json_bytes().decode(),
        }
        for e in events
    ]
    session.execute(_WRITE_OUTBOX, {"rows": json.dumps(rows, separators=(",", ":"))})
