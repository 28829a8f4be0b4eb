"""What happens when an event comes: from one event to everything it causes — inbox items and
deliveries — in the rules consumer's unit of work; nothing is sent here (the sender worker sends,
``workers/sender.py``). These are the ``rules`` consumer's handlers (``consumers/__init__.py``).

The rule for the event type says whom to tell (``domain.rules``). Each user gets, per their
preferences, an inbox item at once (or one held for their daily digest) and an e-mail delivery
(immediate or held) if the directory has their address; an organisation's contact gets an e-mail;
each webhook endpoint subscribed to the event type by an organisation the event concerns gets a
webhook delivery. The sender sends the deliveries later, with retries, so a slow mail server or a
dead receiver never holds back this queue.

The consumer records the event id in ``processed_event`` in the same transaction, so an event
delivered twice is told once; the unique keys on (event, recipient) and (event, channel,
destination) say the same in the tables themselves.

A gathered rule's events (``case.idle``) are one inbox item per recipient, pilot and day in
Finnish time (of the event's time, so a late or re-sent event lands on the day it was made:
``domain.gathering``): the first makes it, each later one updates it in the same upsert — its
count one more, its message re-rendered from the new count when it is read (in the reader's
language), and unread again, so that a person who read it sees there is more. It keeps its id —
the link its e-mail carries — and so its place among the unread. Its e-mail, one per recipient,
pilot and day, is updated with the count while it waits to be sent (not while a sender holds
it); once sent, that day's later events add no e-mail. A re-sent event is not counted again: its
``processed_event`` row stops it before any of this. Held deliveries (a digest) and webhooks stay
one per event: the digest counts them.

An event that tells its pilot's members, for a pilot this service has no copy of yet, waits in
``waiting_event`` (only the fields its rule reads); the pilot's ``pilot.published`` tells it, in
its own transaction, and deletes it — so once. The two take a lock on the pilot's id first (the
event only when it finds no pilot), so whichever commits first, the other sees it: an event is
never left waiting for a pilot that came meanwhile. The same lock makes one writer at a time of
a pilot's gathered items: a batch takes the locks of all its pilots first, in one order
(``on_events``), so that batches updating the same items never deadlock.

The statements themselves (the upserts, the waiting events, the locks) are in ``store.fanout``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from services.notifications.domain.gathering import Gathered, gathered
from services.notifications.domain.rules import (
    RULES,
    Audience,
    Rule,
    link,
    mail_link,
    message_params,
    needs_pilot,
    value_of,
    webhook_data,
)
from services.notifications.store import directory, fanout
from shared.db import UnitOfWork
from shared.messaging.envelope import Envelope

log = logging.getLogger(__name__)

__all__ = ["Told", "on_event", "on_events", "on_pilot_published", "on_pilots_published", "tell"]


@dataclass(frozen=True)
class Told:
    """Whom one event told: users (by subject), organisations' contacts and webhook endpoints."""

    users: tuple[str, ...]
    contacts: tuple[str, ...]
    endpoints: tuple[str, ...]


# --- the rules consumer's handlers ------------------------------------------------------------


def on_event(event: Envelope, uow: UnitOfWork) -> None:
    """The consumer's handler for every event type a rule covers."""
    told = tell(uow, event)
    log.info(
        "%s told %d users, %d contacts and %d webhook endpoints",
        event.type,
        len(told.users),
        len(told.contacts),
        len(told.endpoints),
        extra={"event_id": event.id},
    )


def on_events(events: list[Envelope], uow: UnitOfWork) -> None:
    """The consumer's handler for a batch: the pilots' locks its events will take, first, in
    one order (by pilot id), then each event as ``on_event`` does. Gathered items are per pilot
    and every writer of a pilot's items holds its lock, so two batches over the same pilots'
    items — in any order — wait for each other, but never in a cycle: no deadlock."""
    fanout.lock_pilots(uow.session, [p for p in (_pilot_to_lock(uow, e) for e in events) if p])
    for event in events:
        on_event(event, uow)


def on_pilot_published(event: Envelope, uow: UnitOfWork) -> None:
    """The consumer's handler for ``pilot.published``: the pilot's copy, then the events that
    waited for it, told."""
    pilot_id = event.data["pilot_id"]
    directory.lock_pilot(uow.session, pilot_id)
    directory.apply_pilot(event, uow)
    waited = _tell_waiting(uow, pilot_id)
    if waited:
        log.info("%d events that waited for their pilot told", waited, extra={"event_id": event.id})


def on_pilots_published(events: list[Envelope], uow: UnitOfWork) -> None:
    """The consumer's handler for a batch of ``pilot.published``: every pilot's lock first, in
    pilot order as ``on_events`` takes them, then each event in turn (a pilot's versions in the
    order they came)."""
    fanout.lock_pilots(uow.session, (e.data["pilot_id"] for e in events))
    for event in events:
        on_pilot_published(event, uow)


def _pilot_to_lock(uow: UnitOfWork, event: Envelope) -> str | None:
    """The pilot whose lock telling this event takes: a gathered event's, and an event's that
    waits for its pilot."""
    rule = RULES.get(event.type)
    pilot_id = event.data.get("pilot_id")
    if rule is None or not isinstance(pilot_id, str) or not pilot_id:
        return None
    if rule.gather is not None and gathered(rule, event) is not None:
        return pilot_id
    if needs_pilot(rule, event.data) and directory.pilot_of(uow.session, pilot_id) is None:
        return pilot_id
    return None


def _tell_waiting(uow: UnitOfWork, pilot_id: str) -> int:
    """Tell the events that waited for this pilot's copy (it is there now), and forget them."""
    waited = fanout.take_waiting(uow.session, pilot_id)
    for event in waited:
        tell(uow, event)
    return len(waited)


# --- one event --------------------------------------------------------------------------------


def tell(uow: UnitOfWork, event: Envelope) -> Told:
    """Apply the event's rule (if it is on): write its inbox items and deliveries — or, if it
    tells its pilot's members and the pilot is not known yet, keep it until it is."""
    session = uow.session
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
            fanout.wait(session, event, rule, pilot_id)
            return Told((), (), ())
    params = message_params(rule, data, directory.pilot_names(found_pilot))
    path = link(rule, data)
    gathering = gathered(rule, event)
    if gathering is not None:
        directory.lock_pilot(session, gathering.pilot)  # the pilot's gathered items: one writer

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
            users += _subjects(uow, audience, data)

    told_users = [
        s for s in dict.fromkeys(users) if _tell_user(uow, event, rule, s, params, path, gathering)
    ]
    for found in contacts:
        fanout.add_delivery(
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
    endpoints = _endpoints(uow, rule, data, found_pilot, event.type)
    for endpoint_id in endpoints:
        fanout.add_delivery(
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


def _subjects(uow: UnitOfWork, audience: Audience, data: dict[str, Any]) -> list[str]:
    """The users an audience of the rule is, for this event (by subject)."""
    if audience.kind == "subject":
        named = data.get(audience.field or "")
        if isinstance(named, str) and named:
            return [named]
        return _subjects(uow, audience.fallback, data) if audience.fallback else []
    if audience.kind == "pilot_members":
        pilot_id = data.get("pilot_id")
        return (
            directory.pilot_member_subjects(uow.session, pilot_id, audience.roles)
            if pilot_id
            else []
        )
    if audience.kind == "role":
        return directory.subjects_with_roles(uow.session, audience.roles)
    raise ValueError(f"unknown audience {audience.kind!r}")


def _tell_user(
    uow: UnitOfWork,
    event: Envelope,
    rule: Rule,
    subject: str,
    params: dict[str, Any],
    path: str,
    gathering: Gathered | None = None,
) -> bool:
    """The user's inbox item and e-mail, as they prefer; False if they get nothing."""
    session = uow.session
    person = directory.person(session, subject)
    if not person.active:
        return False
    item_id: int | None = None
    count: int | None = None
    if person.inbox == "immediate" and gathering is not None:
        item_id, count = fanout.gather_item(session, event, rule, subject, params, gathering)
    elif person.inbox == "immediate":
        item_id = fanout.add_item(session, event, rule, subject, params, path)
    elif person.inbox == "digest":
        fanout.add_delivery(
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
    if wants_email and person.email_mode == "immediate" and gathering is not None:
        fanout.gather_email(session, event, rule, person, params, gathering, item_id, count)
    elif wants_email:
        fanout.add_delivery(
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


def _endpoints(
    uow: UnitOfWork, rule: Rule, data: dict[str, Any], found_pilot: Any, event_type: str
) -> list[str]:
    """The live webhook endpoints subscribed to this event type by an organisation it concerns:
    the pilot's lead and partner organisations, or the one the event names."""
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
    return fanout.live_endpoints(uow.session, wanted, event_type)
