"""The deliveries' life: claimed by a sender, attempted, logged, retried, delivered or failed; held
ones gathered into daily digests.

A sender *claims* due deliveries with ``FOR UPDATE SKIP LOCKED`` and, in the same short
transaction, moves their next attempt a lease ahead: no other sender takes them while they are
being sent, no transaction stays open while a slow server is waited for, and if the sender dies
the lease runs out and another tries again. The claim leaves its token on the delivery, and the
outcome of an attempt is recorded — in one transaction with its row in the attempt log — only
while that token is still there: a sender whose lease ran out, and whose delivery another sender
has claimed since, records nothing (the other's outcome is the one that counts).

An e-mail goes to the address the directory has *now*, not the one it had when the event came:
when a delivery is claimed — and when held ones are gathered into a digest — the address is read
again from the recipient's entry (or the organisation's contact), and a delivery whose recipient
is no longer active, or no longer has an address, is cancelled.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from services.notifications.domain.outcome import Sent
from services.notifications.domain.signing_secrets import SealedSecret
from services.notifications.store.tables import (
    delivery,
    delivery_attempt,
    notification,
    organisation_contact,
    recipient,
    webhook_endpoint,
    webhook_secret,
)
from shared.errors import NotFound
from shared.paging import bad_cursor, bigint, decode_cursor

log = logging.getLogger(__name__)

#: A digest's link: the inbox.
INBOX = "/notifications"
#: An organisation's contact as a delivery's destination: ``contact:<organisation>``.
CONTACT = "contact:"


@dataclass(frozen=True)
class Claimed:
    """A delivery taken for one attempt, with what sending it needs."""

    id: int
    channel: str
    kind: str
    message_id: str
    attempt: int
    first_attempt_at: datetime | None
    template: str
    params: dict[str, Any]
    link: str
    language: str
    address: str | None
    payload: dict[str, Any] | None
    endpoint_id: str | None
    #: The webhook endpoint's URL as it is now (a changed URL applies to pending deliveries).
    url: str | None
    #: The endpoint's secrets that sign at the claim's ``now``, sealed, the current one first:
    #: during a rotation's grace period also those it replaced.
    secrets: tuple[SealedSecret, ...]
    #: The claim's token: ``record`` applies only while the delivery still carries it.
    token: str
    #: When the claim's lease runs out and another sender may claim the delivery.
    lease_until: datetime


@dataclass(frozen=True)
class Claim:
    """What one claim took: the deliveries to attempt, and how many it cancelled instead (their
    recipient left the directory, or has no address any more)."""

    deliveries: list[Claimed]
    cancelled: int = 0


def claim(
    engine: Engine, now: datetime, channels: tuple[str, ...], limit: int, lease: timedelta
) -> Claim:
    """Take up to ``limit`` deliveries due at ``now`` on these channels for one attempt each,
    with the webhook endpoint's URL and the secrets that sign at ``now`` (still sealed), and an
    e-mail's address as the directory has it now; cancel the e-mails that no one is to get."""
    due = (
        sa.select(delivery.c.id)
        .where(
            delivery.c.status == "pending",
            delivery.c.next_attempt_at <= now,
            delivery.c.channel.in_(channels),
        )
        .order_by(delivery.c.next_attempt_at, delivery.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    token, lease_until = uuid.uuid4().hex, now + lease
    with engine.begin() as connection:
        claimed = (
            connection.execute(
                sa.update(delivery)
                .where(delivery.c.id.in_(due))
                .values(next_attempt_at=lease_until, claim_token=token, updated_at=sa.func.now())
                .returning(delivery.c.id)
            )
            .scalars()
            .all()
        )
        if not claimed:
            return Claim([])
        rows = (
            connection.execute(
                sa.select(
                    delivery,
                    webhook_endpoint.c.url,
                    recipient.c.subject.label("listed"),
                    recipient.c.active.label("listed_active"),
                    recipient.c.email.label("listed_email"),
                    organisation_contact.c.email.label("contact_email"),
                )
                .outerjoin(webhook_endpoint, webhook_endpoint.c.id == delivery.c.endpoint_id)
                .outerjoin(recipient, recipient.c.subject == delivery.c.recipient)
                .outerjoin(
                    organisation_contact,
                    delivery.c.destination
                    == sa.literal(CONTACT).concat(organisation_contact.c.organisation),
                )
                .where(delivery.c.id.in_(claimed))
                .order_by(delivery.c.id)
            )
            .mappings()
            .all()
        )
        addresses: dict[int, str | None] = {}
        cancelled = 0
        for r in rows:
            address, why = _current_address(r)
            if why is not None:
                cancel(connection, [r["id"]], why)
                cancelled += 1
                continue
            addresses[r["id"]] = address
            if address != r["address"]:
                connection.execute(
                    sa.update(delivery).where(delivery.c.id == r["id"]).values(address=address)
                )
        secrets = _signing_secrets(
            connection, {r["endpoint_id"] for r in rows if r["endpoint_id"]}, now
        )
        return Claim(
            [
                Claimed(
                    id=r["id"],
                    channel=r["channel"],
                    kind=r["kind"],
                    message_id=r["message_id"],
                    attempt=r["attempts"] + 1,
                    first_attempt_at=r["first_attempt_at"],
                    template=r["template"],
                    params=r["params"],
                    link=r["link"],
                    language=r["language"],
                    address=addresses[r["id"]],
                    payload=r["payload"],
                    endpoint_id=r["endpoint_id"],
                    url=r["url"],
                    secrets=tuple(secrets.get(r["endpoint_id"], ())),
                    token=token,
                    lease_until=lease_until,
                )
                for r in rows
                if r["id"] in addresses
            ],
            cancelled,
        )


def _current_address(row: Any) -> tuple[str | None, str | None]:
    """Where an e-mail is to go now — the directory's address of its user, or the organisation's
    contact's — or why it is not to go at all. Other deliveries keep what they have."""
    if row["channel"] != "email":
        return row["address"], None
    if row["recipient"] is not None:
        if row["listed"] is None:
            return None, "RecipientGone"
        if not row["listed_active"]:
            return None, "RecipientInactive"
        if not row["listed_email"]:
            return None, "NoAddress"
        return row["listed_email"], None
    if row["destination"].startswith(CONTACT):
        if row["contact_email"] is None:
            return None, "ContactGone"
        return row["contact_email"], None
    return row["address"], None


def cancel(connection: sa.Connection | Session, ids: list[int], why: str) -> None:
    """Cancel deliveries that are not to be sent (``why`` is kept as their last error)."""
    connection.execute(
        sa.update(delivery)
        .where(delivery.c.id.in_(ids))
        .values(
            status="cancelled",
            next_attempt_at=None,
            claim_token=None,
            last_error=why,
            updated_at=sa.func.now(),
        )
    )
    for delivery_id in ids:
        log.info("delivery %s cancelled: %s", delivery_id, why)


def _signing_secrets(
    connection: sa.Connection, endpoint_ids: set[str], now: datetime
) -> dict[str, list[SealedSecret]]:
    """Per endpoint, its current secret and those replaced whose grace lasts beyond ``now``,
    newest first."""
    found: dict[str, list[SealedSecret]] = defaultdict(list)
    if not endpoint_ids:
        return found
    rows = connection.execute(
        sa.select(
            webhook_secret.c.endpoint_id,
            webhook_secret.c.key_id,
            webhook_secret.c.nonce,
            webhook_secret.c.ciphertext,
        )
        .where(
            webhook_secret.c.endpoint_id.in_(sorted(endpoint_ids)),
            sa.or_(webhook_secret.c.expires_at.is_(None), webhook_secret.c.expires_at > now),
        )
        .order_by(webhook_secret.c.endpoint_id, webhook_secret.c.id.desc())
    )
    for endpoint_id, key_id, nonce, ciphertext in rows:
        found[endpoint_id].append(SealedSecret(key_id, bytes(nonce), bytes(ciphertext)))
    return found


def record(
    engine: Engine,
    claimed: Claimed,
    sent: Sent,
    started_at: datetime,
    duration_ms: int,
    next_attempt: datetime | None,
) -> str | None:
    """Log the attempt and move the delivery on; returns its new status. A delivery to retry
    with no ``next_attempt`` (its retry window is over) has failed.

    Only the claim that holds the delivery records: if its lease ran out and another sender has
    claimed the delivery since, nothing is written and None is returned — the other sender's
    attempt, which has the same number, is the one logged. A delivery cancelled while it was
    being sent has the attempt logged and stays cancelled."""
    first = claimed.first_attempt_at or started_at
    outcome = sent.outcome
    if outcome == "retry" and next_attempt is None:
        outcome = "failed"
    status = {"delivered": "delivered", "retry": "pending", "failed": "failed"}[outcome]
    with engine.begin() as connection:
        held = connection.execute(
            sa.select(delivery.c.status)
            .where(delivery.c.id == claimed.id, delivery.c.claim_token == claimed.token)
            .with_for_update()
        ).scalar()
        if held is None:
            return None
        connection.execute(
            sa.insert(delivery_attempt).values(
                delivery_id=claimed.id,
                attempt=claimed.attempt,
                started_at=started_at,
                duration_ms=duration_ms,
                outcome=outcome,
                status_code=sent.status_code,
                error=sent.error,
            )
        )
        if held != "pending":
            status = held
            values: dict[str, Any] = {"claim_token": None}
        else:
            values = {
                "status": status,
                "attempts": claimed.attempt,
                "first_attempt_at": first,
                "next_attempt_at": next_attempt if status == "pending" else None,
                "delivered_at": started_at if status == "delivered" else None,
                "last_error": sent.error,
                "claim_token": None,
                "updated_at": sa.func.now(),
            }
        connection.execute(sa.update(delivery).where(delivery.c.id == claimed.id).values(values))
    return status


# --- daily digests ----------------------------------------------------------------------------


def make_digests(engine: Engine, slot: datetime, now: datetime) -> int:
    """Gather every delivery held before ``slot`` into one digest per user and channel — at most
    one per slot, however many senders try. An e-mail digest is then sent like any delivery; an
    inbox digest is an inbox item at once. Returns how many digests were made."""
    with engine.connect() as connection:
        groups = connection.execute(
            sa.select(delivery.c.channel, delivery.c.destination)
            .where(delivery.c.status == "held", delivery.c.created_at < slot)
            .group_by(delivery.c.channel, delivery.c.destination)
        ).all()
    made = 0
    for channel, destination in groups:
        with Session(engine) as session, session.begin():
            made += _make_digest(session, channel, destination, slot, now)
    return made


def _make_digest(
    session: Session, channel: str, destination: str, slot: datetime, now: datetime
) -> int:
    held = (
        session.execute(
            sa.select(delivery)
            .where(
                delivery.c.status == "held",
                delivery.c.channel == channel,
                delivery.c.destination == destination,
                delivery.c.created_at < slot,
            )
            .order_by(delivery.c.id)
            .with_for_update(skip_locked=True)
        )
        .mappings()
        .all()
    )
    if not held:
        return 0
    address, why = _digest_address(session, channel, destination)
    if why is not None:
        cancel(session, [r["id"] for r in held], why)
        return 0
    latest = held[-1]
    params: dict[str, Any] = {"counts": dict(Counter(row["template"] for row in held))}
    if channel == "inbox":
        # In the app the digest may list its items: the inbox is the user's own, behind login.
        params["items"] = [
            {"template": r["template"], "params": r["params"], "link": r["link"]} for r in held
        ]
    digest_id = session.execute(
        insert(delivery)
        .values(
            message_id=f"msg_{uuid.uuid4().hex}",
            channel=channel,
            kind="digest",
            destination=destination,
            recipient=latest["recipient"],
            address=address,
            language=latest["language"],
            template="digest",
            params=params,
            link=INBOX,
            status="delivered" if channel == "inbox" else "pending",
            next_attempt_at=now,
            delivered_at=now if channel == "inbox" else None,
            digest_slot=slot,
        )
        .on_conflict_do_nothing()
        .returning(delivery.c.id)
    ).scalar()
    if digest_id is None:
        return 0  # this slot's digest was made already; these wait for the next one
    session.execute(
        sa.update(delivery)
        .where(delivery.c.id.in_([r["id"] for r in held]))
        .values(status="digested", digest_id=digest_id, updated_at=sa.func.now())
    )
    if channel == "inbox":
        session.execute(
            sa.insert(notification).values(
                recipient=latest["recipient"], template="digest", params=params, link=INBOX
            )
        )
    return 1


def _digest_address(session: Session, channel: str, subject: str) -> tuple[str | None, str | None]:
    """The address a user's digest goes to (none for the inbox), or why it is not made: they
    are no longer active in the directory or, for an e-mail, have no address there now."""
    entry = session.execute(
        sa.select(recipient.c.active, recipient.c.email).where(recipient.c.subject == subject)
    ).first()
    if channel != "email":
        # A user not in the directory still has the inbox; one deactivated is told nothing.
        return None, "RecipientInactive" if entry is not None and not entry.active else None
    if entry is None:
        return None, "RecipientGone"
    if not entry.active:
        return None, "RecipientInactive"
    if not entry.email:
        return None, "NoAddress"
    return entry.email, None


# --- the delivery log -------------------------------------------------------------------------


def page_log(
    session: Session, filters: dict[str, Any], cursor: str | None, limit: int
) -> list[dict[str, Any]]:
    """Up to ``limit + 1`` deliveries, newest first, after the cursor (a delivery id)."""
    stmt = sa.select(delivery)
    for name in ("status", "channel", "event_type", "kind", "recipient", "endpoint_id"):
        if name in filters:
            stmt = stmt.where(delivery.c[name] == filters[name])
    after = decode_cursor(cursor)
    if after is not None:
        last = bigint(after)
        if last is None:
            raise bad_cursor()
        stmt = stmt.where(delivery.c.id < last)
    rows = session.execute(stmt.order_by(delivery.c.id.desc()).limit(limit + 1)).mappings()
    return [dict(r) for r in rows]


def get_logged(session: Session, delivery_id: int) -> dict[str, Any]:
    """One delivery with every attempt, in order."""
    row = (
        session.execute(sa.select(delivery).where(delivery.c.id == delivery_id)).mappings().first()
    )
    if row is None:
        raise NotFound("No such delivery.")
    attempts = session.execute(
        sa.select(delivery_attempt)
        .where(delivery_attempt.c.delivery_id == delivery_id)
        .order_by(delivery_attempt.c.attempt)
    ).mappings()
    return dict(row) | {"attempt_log": [dict(a) for a in attempts]}
