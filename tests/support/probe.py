"""A probe consumer for the messaging tests: its effect is a row in ``probe_effect``.

The table deliberately has no unique key on the event id, so a second effect of the same event
would show as a second row: the idempotency record, not the table, must prevent it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shared.db import UnitOfWork, make_session_factory
from shared.messaging.consumer import ConsumerSpec
from shared.messaging.envelope import Envelope
from shared.messaging.events import EventType
from shared.observability import current_request_id

probe_metadata = sa.MetaData()
probe_effect = sa.Table(
    "probe_effect",
    probe_metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("consumer", sa.Text, nullable=False),
    sa.Column("event_id", sa.Text, nullable=False),
    sa.Column("seq", sa.Integer),
    sa.Column("request_id", sa.Text),
)


def ensure_effect_table(engine: Engine) -> None:
    probe_metadata.create_all(engine)


def apply_probe(consumer: str):
    def handle(event: Envelope, uow: UnitOfWork) -> None:
        if event.data.get("poison"):
            raise RuntimeError("this probe always fails")
        hold = float(event.data.get("hold_seconds", 0))
        if hold:
            time.sleep(hold)  # a deliberately slow handler: the heartbeat test needs one
        uow.session.execute(
            probe_effect.insert().values(
                consumer=consumer,
                event_id=event.id,
                seq=event.data.get("seq"),
                request_id=current_request_id(),  # what the consumer's log lines carry
            )
        )

    return handle


def probe_consumer(name: str | None = None) -> ConsumerSpec:
    name = name or f"probe-{uuid.uuid4().hex[:8]}"
    return ConsumerSpec("notifications", name, {EventType.PLATFORM_PROBE.value: apply_probe(name)})


def probe_event(seq: int, **data: object) -> Envelope:
    return Envelope.new(EventType.PLATFORM_PROBE, "/turvaverkko/tests", {"seq": seq, **data})


def write_events(engine: Engine, events: Iterable[Envelope]) -> list[str]:
    """Write events through the unit of work, as a service would; returns their ids."""
    events = list(events)
    with UnitOfWork(make_session_factory(engine)) as uow:
        for event in events:
            uow.publish(event)
        uow.commit()
    return [e.id for e in events]


def effects(engine: Engine, consumer: str) -> dict[str, int]:
    """How many times each event had its effect for this consumer."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(probe_effect.c.event_id, sa.func.count())
            .where(probe_effect.c.consumer == consumer)
            .group_by(probe_effect.c.event_id)
        ).all()
    return {event_id: count for event_id, count in rows}


def request_ids(engine: Engine, consumer: str) -> set[str | None]:
    with engine.connect() as connection:
        return set(
            connection.execute(
                sa.select(probe_effect.c.request_id).where(probe_effect.c.consumer == consumer)
            ).scalars()
        )
