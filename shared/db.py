"""Engine and session per service, and the unit of work.

A unit of work is one database transaction. It rolls back unless ``commit()`` was called, and the
domain events it collects are written to the outbox in the same transaction as the change they
describe, so that a change and its event are stored together or not at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from shared.messaging.envelope import Envelope, SerializedEvent


def create_engine(url: Any, **options: Any) -> Engine:
    """The project's one way to make an engine: SQL parameters never appear in an error's text
    (they are client data — pseudonyms, titles, addresses — and errors are logged), whatever else
    is asked for."""
    return sa.create_engine(url, **options, hide_parameters=True)


#: A pooled connection unused for longer than this is pinged before it is handed out.
IDLE_BEFORE_PING = 2.0


def make_engine(url: str, *, pool_size: int = 5, application_name: str = "turvaverkko") -> Engine:
    """An engine for one service's database; a connection that has been idle is checked before
    use (see :func:`ping_when_idle`)."""
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        connect_args={"application_name": application_name, "connect_timeout": 5},
    )
    ping_when_idle(engine)
    return engine


def ping_when_idle(engine: Engine, idle: float = IDLE_BEFORE_PING) -> None:
    """Check a pooled connection with a round trip before use only if it has lain unused for
    ``idle`` seconds: a restarted database or a cut connection is then found before a request
    uses it, as with ``pool_pre_ping``, but a busy service does not pay a round trip for every
    transaction (a third of a single-item request's database work). A connection that breaks
    while busy fails its statement; SQLAlchemy then discards the whole pool, and the caller
    answers 503 (``shared.http``)."""

    @sa.event.listens_for(engine, "checkin")
    def _returned(dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _check(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        returned = record.info.get("returned_at")
        if returned is None or time.monotonic() - returned < idle:
            return  # just connected, or in use a moment ago
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            if not engine.dialect.is_disconnect(exc, dbapi_connection, None):
                raise
            alive = False
        if not alive:
            # The pool discards this connection and hands out (or makes) another.
            raise sa.exc.DisconnectionError("the pooled connection no longer answers")


def timestamp_columns() -> list[sa.Column[Any]]:
    """``created_at`` and ``updated_at``, both stamped by the database: for a table's definition
    (a migration writes its own, frozen as it was)."""
    return [
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    ]


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


class UnitOfWork:
    """One transaction: ``with uow: ...; uow.commit()``. Leaving the block without commit rolls back."""

    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self._session_factory = session_factory
        self._session: Session | None = None
        self._events: list[Envelope | SerializedEvent] = []

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

    def publish(self, event: Envelope | SerializedEvent) -> None:
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
# The payload is a JSON value in the document; the json (not jsonb) type keeps its exact text.
_OUTBOX_INSERT = (
    "INSERT INTO outbox (event_id, event_type, headers, payload) "
    "SELECT event_id, event_type, headers, convert_to(payload::text, 'UTF8') "
    "FROM json_to_recordset(%({param})s::json) "
    "AS r(event_id text, event_type text, headers jsonb, payload json)"
)
_WRITE_OUTBOX = _OUTBOX_INSERT.format(param="rows")


def outbox_document(events: Sequence[Envelope | SerializedEvent]) -> str:
    """Events as the one JSON document the outbox statements read."""
    rows = [(e if isinstance(e, SerializedEvent) else e.serialized()).outbox_row for e in events]
    return (b"[" + b",".join(rows) + b"]").decode()


def outbox_insert_from(source: str, stored: str) -> str:
    """The outbox insert of the events in ``source`` (a CTE or table of ``id``, ``event_type``,
    ``headers`` and ``payload`` (json): the fields of a :class:`SerializedEvent`'s row, with the
    event's id as ``id``) whose ids the CTE ``stored`` returned: a data-modifying CTE for a
    statement that stores a change and queues its events in one round trip, in the caller's
    transaction like :func:`write_outbox`."""
    return (
        "INSERT INTO outbox (event_id, event_type, headers, payload) "
        f"SELECT id, event_type, headers, convert_to(payload::text, 'UTF8') FROM {source} "
        f"WHERE id IN (SELECT id FROM {stored})"
    )


def write_outbox(session: Session, events: list[Envelope | SerializedEvent]) -> None:
    """Write events to the outbox (inside the caller's transaction)."""
    driver_execute(session, _WRITE_OUTBOX, {"rows": outbox_document(events)})


def driver_connection(session: Session) -> Any:
    """The psycopg connection under the session, in the session's transaction."""
    return session.connection().connection.driver_connection


def driver_execute(session: Session, sql: str, params: Mapping[str, Any]) -> Any:
    """Run hand-written SQL (``%(name)s`` parameters) through psycopg itself, on the session's
    connection and in its transaction; returns the psycopg cursor. For the few batch statements
    on the hot path of every request: SQLAlchemy's result machinery costs more than such a
    statement's own work when the batch is small."""
    return driver_connection(session).execute(sql, params)
