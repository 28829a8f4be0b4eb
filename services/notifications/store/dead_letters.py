"""The dead letters (``dead_letter``): what the watcher saw of each dead-lettered message, and
what admins did with it; and the audit log of their actions (``audit_entry``).

Only metadata is kept — queue, event types and ids, reason, counts, times and the body's SHA-256
(the key a replay finds the message by, never shown) — never the message's data.

Locks: an admin's action holds the dead letter's row (``FOR UPDATE``) from before it touches
the broker until it commits, and the watcher's upsert of a new death takes the same row: a
message replayed and dead-lettered again at once is recorded as waiting again after the replay
has marked it replayed, never before (which would leave it marked replayed while it waits).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.notifications.store.tables import audit_entry, dead_letter
from shared.errors import NotFound
from shared.observability import current_request_id
from shared.paging import bad_cursor, bigint, decode_cursor
from shared.principal import Principal

STATES = ("waiting", "replayed", "discarded")

#: What the API shows of a dead letter (not its key).
SHOWN = [c for c in dead_letter.c if c.name != "message_key"]


@dataclass(frozen=True)
class Death:
    """One death of a message, as the watcher read it from its copy."""

    queue: str
    key: str
    event_types: Sequence[str]
    event_ids: Sequence[str]
    event_count: int
    reason: str


def record_death(session: Session, death: Death) -> int:
    """A first death makes the dead letter; a later one (it was replayed, or discarded and sent
    again, and died again) counts on it and makes it ``waiting`` again. Its id."""
    stmt = insert(dead_letter).values(
        queue=death.queue,
        message_key=death.key,
        event_types=list(death.event_types),
        event_ids=list(death.event_ids),
        event_count=death.event_count,
        reason=death.reason,
    )
    upsert = stmt.on_conflict_do_update(
        constraint="dead_letter_once_per_message",
        set_={
            "reason": stmt.excluded.reason,
            "death_count": dead_letter.c.death_count + 1,
            "last_dead_at": sa.func.now(),
            "state": "waiting",
        },
    ).returning(dead_letter.c.id)
    return int(session.execute(upsert).scalar_one())


def page(
    session: Session, filters: dict[str, Any], cursor: str | None, limit: int
) -> list[dict[str, Any]]:
    """Up to ``limit + 1`` dead letters, newest first, after the cursor (an id)."""
    stmt = sa.select(*SHOWN)
    for name in ("queue", "state"):
        if name in filters:
            stmt = stmt.where(dead_letter.c[name] == filters[name])
    after = decode_cursor(cursor)
    if after is not None:
        last = bigint(after)
        if last is None:
            raise bad_cursor()
        stmt = stmt.where(dead_letter.c.id < last)
    rows = session.execute(stmt.order_by(dead_letter.c.id.desc()).limit(limit + 1)).mappings()
    return [dict(r) for r in rows]


def queues(session: Session) -> list[dict[str, Any]]:
    """Per queue that has dead letters: how many wait, were replayed, were discarded; the
    latest death."""
    counted = {
        state: sa.func.count().filter(dead_letter.c.state == state).label(state) for state in STATES
    }
    rows = session.execute(
        sa.select(
            dead_letter.c.queue,
            *counted.values(),
            sa.func.max(dead_letter.c.last_dead_at).label("last_dead_at"),
        )
        .group_by(dead_letter.c.queue)
        .order_by(dead_letter.c.queue)
    ).mappings()
    return [dict(r) for r in rows]


def get(session: Session, dead_letter_id: int, *, lock: bool = False) -> dict[str, Any]:
    """One dead letter (its key included); with ``lock``, its row held until the transaction
    ends."""
    stmt = sa.select(dead_letter).where(dead_letter.c.id == dead_letter_id)
    row = session.execute(stmt.with_for_update() if lock else stmt).mappings().first()
    if row is None:
        raise NotFound("No such dead letter.")
    return dict(row)


def waiting_with_key(session: Session, queue: str, key: str) -> dict[str, Any] | None:
    """The waiting dead letter of ``queue`` with this key, its row held; None if none waits."""
    row = (
        session.execute(
            sa.select(dead_letter)
            .where(
                dead_letter.c.queue == queue,
                dead_letter.c.message_key == key,
                dead_letter.c.state == "waiting",
            )
            .with_for_update()
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def count_waiting(session: Session, queue: str) -> int:
    return int(
        session.execute(
            sa.select(sa.func.count()).where(
                dead_letter.c.queue == queue, dead_letter.c.state == "waiting"
            )
        ).scalar_one()
    )


def mark(session: Session, dead_letter_id: int, state: str, by: str) -> dict[str, Any]:
    """Record that an admin replayed (``replayed``: one more replay) or discarded it."""
    values: dict[str, Any] = {"state": state, "handled_by": by, "handled_at": sa.func.now()}
    if state == "replayed":
        values["replays"] = dead_letter.c.replays + 1
    row = (
        session.execute(
            sa.update(dead_letter)
            .where(dead_letter.c.id == dead_letter_id)
            .values(values)
            .returning(*SHOWN)
        )
        .mappings()
        .one()
    )
    return dict(row)


def audit(
    session: Session,
    principal: Principal,
    action: str,
    row: dict[str, Any],
    outcome: str,
) -> None:
    """An entry in the append-only audit log, in the caller's transaction."""
    session.execute(
        sa.insert(audit_entry).values(
            subject=principal.subject,
            role=principal.role,
            organisation=principal.organisation,
            action=action,
            dead_letter_id=row["id"],
            queue=row["queue"],
            outcome=outcome,
            request_id=current_request_id(),
        )
    )
