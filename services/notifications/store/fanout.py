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
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.notifications.domain.rules import (
    RULES,
    Audience,
    Rule,
    link,
    mail_link,
    message_params,
    webhook_data,
)
from services.notifications.store import directory
from services.notifications.store.tables import delivery, notification, webhook_endpoint
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


def tell(session: Session, event: Envelope) -> Told:
    """Apply the event's rule (if it is on): write its inbox items and deliveries."""
    rule = RULES.get(event.type)
    if rule is None or not directory.rule_enabled(session, rule):
        return Told((), (), ())
    data = event.data
    found_pilot = directory.pilot_of(session, data.get("pilot_id"))
    params = message_params(rule, data, directory.pilot_names(found_pilot))
    path = link(rule, data)

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
        s for s in dict.fromkeys(users) if _tell_user(session, event, rule, s, params, path)
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
) -> bool:
    """The user's inbox item and e-mail, as they prefer; False if they get nothing."""
    person = directory.person(session, subject)
    if not person.active:
        return False
    item_id: int | None = None
    if person.inbox == "immediate":
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
    if wants_email:
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
        organisations = [data.get(rule.organisations_from)]
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
