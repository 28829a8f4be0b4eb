"""From one event to everything it causes: inbox items and deliveries, in the consumer's unit of
work — nothing is sent here.

The rule for the event type says whom to tell. Each user gets, per their preferences, an inbox
item at once (or one held for their daily digest) and an e-mail delivery (immediate or held) if
the directory has their address; an organisation's contact gets an e-mail; each webhook
endpoint subscribed to the event type by an organisation the event concerns gets a webhook
delivery. The sender worker sends the deliveries later, with retries, so a slow mail server or a
dead receiver never holds back this queue.

The consumer records the event id in ``processed_event`` in the same transaction, so an event
delivered twice is told once; the unique keys on (event, recipient) and (event, channel,
destination) say the same in the tables themselves.

A gathered rule's events (``case.idle``) are one inbox item per recipient, pilot and day in
Finnish time (of the event's time, so a late or re-sent event lands on the day it was made): the
first makes it, each later one updates it in the same upsert — its count one more, its message
re-rendered from the new count when it is read (in the reader's language), and unread again, so
that a person who read it sees there is more. It keeps its id — the link its e-mail carries — and
so its place among the unread. Its e-mail, one per recipient, pilot and day, is updated with the
count while it waits to be sent (not while a sender holds it); once sent, that day's later events
add no e-mail. A re-sent event is not counted again: its ``processed_event`` row stops it before
any of this. Held deliveries (a digest) and webhooks stay one per event: the digest counts them.

An event that tells its pilot's members, for a pilot this service has no copy of yet, waits in
``waiting_event`` (only the fields its rule reads); the pilot's ``pilot.published`` tells it, in
its own transaction, and deletes it — so once. The two take a lock on the pilot's id first (the
event only when it finds no pilot), so whichever commits first, the other sees it: an event is
never left waiting for a pilot that came meanwhile. The same lock makes one writer at a time of
a pilot's gathered items: a batch takes the locks of all its pilots first, in one order
(``on_events``), so that batches updating the same items never deadlock.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.orm import Session

from services.notifications.domain.digests import HELSINKI
from services.notifications.domain.rules import (
    RULES,
    Audience,
    Rule,
    gather_links,
    link,
    mail_link,
    message_params,
    named_subjects,
    needs_pilot,
    rule_fields,
    value_of,
    webhook_data,
)
from services.notifications.store import directory
from services.notifications.store.tables import (
    delivery,
    notification,
    waiting_event,
    webhook_endpoint,
)
from shared.db import UnitOfWork
from shared.messaging.envelope import Envelope

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Told:
    """Whom one event told: users (by subject), organisations' contacts and webhook endpoints."""

    users: tuple[str, ...]
    contacts: tuple[str, ...]
    endpoints: tuple[str, ...]


def on_event(event: Envelope, uow: UnitOfWork) -> None:
    """The consumer's handler for every event type a rule covers."""
    told = tell(uow.session, event)
    log.info(
        "%s told %d users, %d contacts and %d webhook endpoints",
        event.type,
        len(told.users),
        len(told.contacts),
        len(told.endpoints),
        extra={"event_id": event.id},
    )


@dataclass(frozen=True)
class Gathered:
    """Where one event of a gathered rule goes: the key of its day's item, and its links."""

    key: str
    #: Whose items these are: the pilot (``Gathering.by``).
    pilot: str
    #: The link for a user the event names, and for anyone else (also an item for both).
    named_link: str
    link: str
    named: frozenset[str]

    def link_for(self, subject: str) -> str:
        return self.named_link if subject in self.named else self.link


def on_events(events: list[Envelope], uow: UnitOfWork) -> None:
    """The consumer's handler for a batch: the pilots' locks its events will take, first, in
    one order (by pilot id), then each event as ``on_event`` does. Gathered items are per pilot
    and every writer of a pilot's items holds its lock, so two batches over the same pilots'
    items — in any order — wait for each other, but never in a cycle: no deadlock."""
    session = uow.session
    for pilot_id in sorted({p for p in (_pilot_to_lock(session, e) for e in events) if p}):
        directory.lock_pilot(session, pilot_id)
    for event in events:
        on_event(event, uow)


def _pilot_to_lock(session: Session, event: Envelope) -> str | None:
    """The pilot whose lock telling this event takes: a gathered event's, and an event's that
    waits for its pilot."""
    rule = RULES.get(event.type)
    pilot_id = event.data.get("pilot_id")
    if rule is None or not isinstance(pilot_id, str) or not pilot_id:
        return None
    if rule.gather is not None and _gathered(rule, event) is not None:
        return pilot_id
    if needs_pilot(rule, event.data) and directory.pilot_of(session, pilot_id) is None:
        return pilot_id
    return None


def on_pilot_published(event: Envelope, uow: UnitOfWork) -> None:
    """The consumer's handler for ``pilot.published``: the pilot's copy, then the events that
    waited for it, told."""
    pilot_id = event.data["pilot_id"]
    directory.lock_pilot(uow.session, pilot_id)
    directory.apply_pilot(event, uow)
    waited = tell_waiting(uow.session, pilot_id)
    if waited:
        log.info("%d events that waited for their pilot told", waited, extra={"event_id": event.id})


def on_pilots_published(events: list[Envelope], uow: UnitOfWork) -> None:
    """The consumer's handler for a batch of ``pilot.published``: every pilot's lock first, in
    pilot order as ``on_events`` takes them, then each event in turn (a pilot's versions in the
    order they came)."""
    for pilot_id in sorted({e.data["pilot_id"] for e in events}):
        directory.lock_pilot(uow.session, pilot_id)
    for event in events:
        on_pilot_published(event, uow)


def tell_waiting(session: Session, pilot_id: str) -> int:
    """Tell the events that waited for this pilot's copy (it is there now), and forget them."""
    rows = session.execute(
        sa.delete(waiting_event)
        .where(waiting_event.c.pilot_id == pilot_id)
        .returning(waiting_event)
    ).all()
    for row in sorted(rows, key=lambda r: (r.time, r.event_id)):
        tell(
            session,
            Envelope(
                type=row.event_type,
                source=row.source,
                data=row.data,
                id=row.event_id,
                time=row.time,
            ),
        )
    return len(rows)


def tell(session: Session, event: Envelope) -> Told:
    """Apply the event's rule (if it is on): write its inbox items and deliveries — or, if it
    tells its pilot's members and the pilot is not known yet, keep it until it is."""
    rule = RULES.get(event.type)
    if rule is None or not directory.rule_enabled(session, rule):
        return Told((), (), ())
    data = event.data
    pilot_id = data.get("pilot_id")
    found_pilot = directory.pilot_of(session, pilot_id)
    if found_pilot is None and isinstance(pilot_id, str) and pilot_id and needs_pilot(rule, data):
        directory.lock_pilot(session, pilot_id)  # the pilot's publication may be committing now
        found_pilot = directory.pilot_of(session, pilot_id)
        if found_pilot is None:
            _wait(session, event, rule, pilot_id)
            return Told((), (), ())
    params = message_params(rule, data, directory.pilot_names(found_pilot))
    path = link(rule, data)
    gathered = _gathered(rule, event)
    if gathered is not None:
        directory.lock_pilot(session, gathered.pilot)  # the pilot's gathered items: one writer

    users: list[str] = []
    contacts: list[directory.Contact] = []
    for audience in rule.audiences:
        if not audience.applies_to(data):
            continue
        if audience.kind == "organisation_contact":
            found = directory.contact(session, str(data.get(audience.field or "") or ""))
            if found is not None:
                contacts.append(found)
        else:
            users += _subjects(session, audience, data)

    told_users = [
        s
        for s in dict.fromkeys(users)
        if _tell_user(session, event, rule, s, params, path, gathered)
    ]
    for found in contacts:
        _add_delivery(
            session,
            event,
            rule,
            channel="email",
            destination=f"contact:{found.organisation}",
            status="pending",
            params=params,
            link=path,
            address=found.email,
            language=found.language,
        )
    endpoints = _endpoints(session, rule, data, found_pilot, event.type)
    for endpoint_id in endpoints:
        _add_delivery(
            session,
            event,
            rule,
            channel="webhook",
            destination=endpoint_id,
            status="pending",
            params={},
            link=path,
            endpoint_id=endpoint_id,
            payload={
                "type": event.type,
                "timestamp": event.time.isoformat(),
                "data": webhook_data(rule, data),
            },
        )
    return Told(tuple(told_users), tuple(c.organisation for c in contacts), tuple(endpoints))


def _gathered(rule: Rule, event: Envelope) -> Gathered | None:
    """The day's item this event of a gathered rule counts in; None if it is not gathered."""
    if rule.gather is None:
        return None
    by = event.data.get(rule.gather.by)
    if not isinstance(by, str) or not by:
        return None
    day = event.time.astimezone(HELSINKI).date()
    named_link, everyone = gather_links(rule, event.data)
    return Gathered(
        key=f"{event.type}/{by}/{day.isoformat()}",
        pilot=by,
        named_link=named_link,
        link=everyone,
        named=frozenset(named_subjects(rule, event.data)),
    )


def _wait(session: Session, event: Envelope, rule: Rule, pilot_id: str) -> None:
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


def _subjects(session: Session, audience: Audience, data: dict[str, Any]) -> list[str]:
    if audience.kind == "subject":
        named = data.get(audience.field or "")
        if isinstance(named, str) and named:
            return [named]
        return _subjects(session, audience.fallback, data) if audience.fallback else []
    if audience.kind == "pilot_members":
        pilot_id = data.get("pilot_id")
        return (
            directory.pilot_member_subjects(session, pilot_id, audience.roles) if pilot_id else []
        )
    if audience.kind == "role":
        return directory.subjects_with_roles(session, audience.roles)
    raise ValueError(f"unknown audience {audience.kind!r}")


def _tell_user(
    session: Session,
    event: Envelope,
    rule: Rule,
    subject: str,
    params: dict[str, Any],
    path: str,
    gathered: Gathered | None = None,
) -> bool:
    """The user's inbox item and e-mail, as they prefer; False if they get nothing."""
    person = directory.person(session, subject)
    if not person.active:
        return False
    item_id: int | None = None
    count: int | None = None
    if person.inbox == "immediate" and gathered is not None:
        item_id, count = _gather_item(session, event, rule, subject, params, gathered)
    elif person.inbox == "immediate":
        item_id = session.execute(
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
    elif person.inbox == "digest":
        _add_delivery(
            session,
            event,
            rule,
            channel="inbox",
            destination=subject,
            status="held",
            params=params,
            link=path,
            recipient=subject,
            language=person.language,
        )
    wants_email = person.email_mode != "off" and person.email is not None
    if wants_email and person.email_mode == "immediate" and gathered is not None:
        _gather_email(session, event, rule, person, params, gathered, item_id, count)
    elif wants_email:
        _add_delivery(
            session,
            event,
            rule,
            channel="email",
            destination=subject,
            status="pending" if person.email_mode == "immediate" else "held",
            params=params,
            # The e-mail links to the inbox item (or, with none, to a view that names no case or
            # task), so that not even a case's id leaves the service in a message that passes
            # through mail servers.
            link=f"/notifications/{item_id}"
            if item_id is not None
            else mail_link(rule, event.data),
            recipient=subject,
            address=person.email,
            language=person.language,
        )
    return item_id is not None or person.inbox == "digest" or wants_email


def _count(params: Any, at_least: Any = None) -> Any:
    """A gathered row's params with its count one more (or ``at_least``, if that is more)."""
    one_more = sa.func.coalesce(params["count"].astext.cast(sa.Integer), 1) + 1
    return sa.func.jsonb_build_object(
        "count", one_more if at_least is None else sa.func.greatest(one_more, at_least)
    )


def _gather_item(
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


def _gather_email(
    session: Session,
    event: Envelope,
    rule: Rule,
    person: directory.Person,
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


def _add_delivery(
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


def _endpoints(
    session: Session, rule: Rule, data: dict[str, Any], found_pilot: Any, event_type: str
) -> list[str]:
    """The live webhook endpoints subscribed to this event type by an organisation it concerns."""
    if not rule.webhook_fields or rule.organisations_from is None:
        return []
    organisations: Iterable[str | None]
    if rule.organisations_from == "pilot":
        if found_pilot is None:
            return []
        organisations = [found_pilot.lead_organisation_id, *found_pilot.partner_organisation_ids]
    else:
        named = value_of(data, rule.organisations_from)
        organisations = [named if isinstance(named, str) else None]
    wanted = sorted({o for o in organisations if o})
    if not wanted:
        return []
    return list(
        session.execute(
            sa.select(webhook_endpoint.c.id)
            .where(
                webhook_endpoint.c.organisation.in_(wanted),
                sa.literal(event_type) == sa.any_(webhook_endpoint.c.event_types),
                webhook_endpoint.c.deleted_at.is_(None),
            )
            .order_by(webhook_endpoint.c.id)
        ).scalars()
    )
