"""The SQL of telling: the rows one event's rules write — inbox items, gathered items and their
e-mails, deliveries, events that wait for their pilot — and the pilots' locks, taken in one order.
Nothing here decides whom to tell or how: ``usecases.fanout`` does, and calls these.

The statements are tuned and their order matters (``usecases.fanout`` says why):

- a gathered item is made or counts one more in one upsert (``INSERT … ON CONFLICT (recipient,
  gather_key) DO UPDATE``) that keeps its id and makes it unread again; its e-mail likewise, only
  while it waits to be sent and no sender holds it;
- the unique keys on (event, recipient) and (event, channel, destination) make a second write of
  the same event's row a no-op;
- an event that waits for its pilot keeps only the fields its rule reads, and is taken (deleted)
  by the pilot's publication in the publication's transaction;
- a batch takes its pilots' locks first, sorted by pilot id (``lock_pilots``), so two batches
  over the same pilots' items wait for each other but never deadlock.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.orm import Session

from services.notifications.domain.gathering import Gathered
from services.notifications.domain.rules import Rule, rule_fields
from services.notifications.store import directory
from services.notifications.store.directory import Person
from services.notifications.store.tables import (
    delivery,
    notification,
    waiting_event,
    webhook_endpoint,
)
from shared.messaging.envelope import Envelope

log = logging.getLogger(__name__)


def lock_pilots(session: Session, pilot_ids: Iterable[str]) -> None:
    """Hold each pilot's lock (``directory.lock_pilot``) until the transaction ends, taken in
    one order — by pilot id — whoever takes them, so that two writers never wait in a cycle."""
    for pilot_id in sorted(set(pilot_ids)):
        directory.lock_pilot(session, pilot_id)


# --- events that wait for their pilot ---------------------------------------------------------


def wait(session: Session, event: Envelope, rule: Rule, pilot_id: str) -> None:
    """Keep the event until its pilot is known: only what its rule reads of it."""
    fields = rule_fields(rule)
    session.execute(
        insert(waiting_event)
        .values(
            event_id=event.id,
            event_type=event.type,
            source=event.source,
            time=event.time,
            pilot_id=pilot_id,
            data={name: value for name, value in event.data.items() if name in fields},
        )
        .on_conflict_do_nothing()
    )
    log.info("%s waits for its pilot", event.type, extra={"event_id": event.id})


def take_waiting(session: Session, pilot_id: str) -> list[Envelope]:
    """The events that waited for this pilot's copy, in the order they were made, deleted."""
    rows = session.execute(
        sa.delete(waiting_event)
        .where(waiting_event.c.pilot_id == pilot_id)
        .returning(waiting_event)
    ).all()
    return [
        Envelope(
            type=row.event_type,
            source=row.source,
            data=row.data,
            id=row.event_id,
            time=row.time,
        )
        for row in sorted(rows, key=lambda r: (r.time, r.event_id))
    ]


# --- inbox items ------------------------------------------------------------------------------


def add_item(
    session: Session, event: Envelope, rule: Rule, subject: str, params: dict[str, Any], path: str
) -> int | None:
    """The user's inbox item for this event; its id (None if the event made it already)."""
    return session.execute(
        insert(notification)
        .values(
            recipient=subject,
            event_id=event.id,
            event_type=event.type,
            template=rule.template,
            params=params,
            link=path,
        )
        .on_conflict_do_nothing()
        .returning(notification.c.id)
    ).scalar()


def _count(params: Any, at_least: Any = None) -> Any:
    """A gathered row's params with its count one more (or ``at_least``, if that is more)."""
    one_more = sa.func.coalesce(params["count"].astext.cast(sa.Integer), 1) + 1
    return sa.func.jsonb_build_object(
        "count", one_more if at_least is None else sa.func.greatest(one_more, at_least)
    )


def gather_item(
    session: Session,
    event: Envelope,
    rule: Rule,
    subject: str,
    params: dict[str, Any],
    gathered: Gathered,
) -> tuple[int, int]:
    """The user's item of the day for this pilot: made, or counting one more — unread again,
    with the latest event's parameters — in one upsert. Its id and its count."""
    stmt = insert(notification).values(
        recipient=subject,
        event_id=event.id,
        event_type=event.type,
        template=rule.template,
        params=params | {"count": 1},
        link=gathered.link_for(subject),
        gather_key=gathered.key,
    )
    row = session.execute(
        stmt.on_conflict_do_update(
            index_elements=[notification.c.recipient, notification.c.gather_key],
            index_where=notification.c.gather_key.is_not(None),
            set_={
                "params": stmt.excluded.params.op("||", return_type=JSONB)(
                    _count(notification.c.params)
                ),
                # Gathering what the user was named for and what they were told in another's
                # stead: the list of everything of the pilot.
                "link": sa.case(
                    (notification.c.link == stmt.excluded.link, notification.c.link),
                    else_=gathered.link,
                ),
                "read_at": None,
            },
        ).returning(notification.c.id, notification.c.params)
    ).one()
    return int(row.id), int(row.params["count"])


def gather_email(
    session: Session,
    event: Envelope,
    rule: Rule,
    person: Person,
    params: dict[str, Any],
    gathered: Gathered,
    item_id: int | None,
    count: int | None,
) -> None:
    """The user's e-mail of the day for this pilot: made, or — while it waits to be sent and no
    sender holds it — counting one more (as many as the item counts, if there is one)."""
    own = f"/notifications/{item_id}" if item_id is not None else gathered.link_for(person.subject)
    stmt = insert(delivery).values(
        message_id=f"msg_{uuid.uuid4().hex}",
        channel="email",
        destination=person.subject,
        recipient=person.subject,
        address=person.email,
        language=person.language,
        event_id=event.id,
        event_type=event.type,
        template=rule.template,
        params=params | {"count": count or 1},
        link=own,
        status="pending",
        gather_key=gathered.key,
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[delivery.c.channel, delivery.c.destination, delivery.c.gather_key],
            index_where=delivery.c.gather_key.is_not(None),
            set_={
                "params": stmt.excluded.params.op("||", return_type=JSONB)(
                    _count(delivery.c.params, stmt.excluded.params["count"].astext.cast(sa.Integer))
                ),
                "link": sa.case(
                    (delivery.c.link == stmt.excluded.link, delivery.c.link),
                    else_=f"/notifications/{item_id}" if item_id is not None else gathered.link,
                ),
                "address": stmt.excluded.address,
                "language": stmt.excluded.language,
                "updated_at": sa.func.now(),
            },
            where=sa.and_(delivery.c.status == "pending", delivery.c.claim_token.is_(None)),
        )
    )


def add_delivery(
    session: Session,
    event: Envelope,
    rule: Rule,
    *,
    channel: str,
    destination: str,
    status: str,
    params: dict[str, Any],
    link: str,
    recipient: str | None = None,
    address: str | None = None,
    language: str = "fi",
    endpoint_id: str | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    session.execute(
        insert(delivery)
        .values(
            message_id=f"msg_{uuid.uuid4().hex}",
            channel=channel,
            destination=destination,
            recipient=recipient,
            endpoint_id=endpoint_id,
            address=address,
            language=language,
            event_id=event.id,
            event_type=event.type,
            template=rule.template,
            params=params,
            link=link,
            payload=payload,
            status=status,
        )
        .on_conflict_do_nothing()
    )


# --- webhooks ---------------------------------------------------------------------------------


def live_endpoints(session: Session, organisations: list[str], event_type: str) -> list[str]:
    """The live webhook endpoints of these organisations subscribed to this event type, by id."""
    return list(
        session.execute(
            sa.select(webhook_endpoint.c.id)
            .where(
                webhook_endpoint.c.organisation.in_(organisations),
                sa.literal(event_type) == sa.any_(webhook_endpoint.c.event_types),
                webhook_endpoint.c.deleted_at.is_(None),
            )
            .order_by(webhook_endpoint.c.id)
        ).scalars()
    )
