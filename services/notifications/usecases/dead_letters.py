"""Dead letters: the watcher records each message a consumer dead-lettered; admins list them per
queue (metadata only — types, event ids, reason, counts, times; never data), replay one or all
of a queue's, or discard one. Every replay and discard is audited (``audit_entry``).

An action on a dead letter, in order (``adapters.dead_letter_queues`` explains the browse):

1. the queue's browse lock (the broker's): one browse of a queue at a time, so no browse hides
   the message another looks for;
2. the dead letter's row (``FOR UPDATE``), and a check that it still waits — of two admins
   replaying the same message, the second finds it replayed and is refused (409);
3. the message found by its key, published back to its queue with confirms and only then
   acknowledged in the dead-letter queue (replay), or acknowledged (discard);
4. the row's new state and the audit entry, committed together; only then is the row free for
   the watcher's record of a new death, so a message that dies again at once is waiting again.

Replaying all of a queue's makes one pass over its dead-letter queue and commits each message
moved on its own, so a failure half-way keeps (and audits) what was done. A replay that does not
find its message in the dead-letter queue replays nothing (409); a discard that does not find it
closes the dead letter all the same (audited as ``not_in_queue``), so a record left behind by
something done outside this API can be closed. Should a commit fail after the broker's ack (the
database gone at that moment), the message has moved but its row still waits: a replay of it is
then refused as not in the queue, and a discard closes it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Any, Protocol

from services.notifications.adapters.dead_letter_queues import Letter
from services.notifications.store import dead_letters as store
from services.notifications.store.dead_letters import Death
from services.notifications.usecases.access import admins_only
from shared.db import UnitOfWork
from shared.errors import Conflict
from shared.principal import Principal

log = logging.getLogger(__name__)

__all__ = [
    "Death",
    "discard",
    "list_dead_letters",
    "queue_summaries",
    "record_death",
    "replay",
    "replay_all",
]


class Browsing(Protocol):
    """One pass over a queue's dead-letter queue (``adapters.dead_letter_queues.Browse``)."""

    def __iter__(self) -> Iterator[Letter]: ...

    def find(self, key: str) -> Letter | None: ...

    def replay(self, letter: Letter, number: int) -> None: ...

    def discard(self, letter: Letter) -> None: ...


class Broker(Protocol):
    """The broker's dead-letter queues (``adapters.dead_letter_queues.DeadLetterQueues``)."""

    def depths(self, queues: Iterable[str]) -> dict[str, int | None]: ...

    def browse(self, queue: str) -> AbstractContextManager[Browsing]: ...


def _admins_only(principal: Principal) -> None:
    admins_only(principal, "Only admins handle dead letters.")


# --- the watcher ------------------------------------------------------------------------------


def record_death(uow: UnitOfWork, death: Death) -> int:
    """The watcher saw a copy of a newly dead-lettered message: a dead letter waits (in the
    watcher's unit of work, committed with its idempotency record). Its id."""
    return store.record_death(uow.session, death)


# --- admins: reading --------------------------------------------------------------------------


def list_dead_letters(
    principal: Principal, uow: UnitOfWork, filters: dict[str, Any], cursor: str | None, limit: int
) -> list[dict[str, Any]]:
    """Up to ``limit + 1`` dead letters, newest first; ``filters``: ``queue``, ``state``."""
    _admins_only(principal)
    return store.page(uow.session, filters, cursor, limit)


def queue_summaries(principal: Principal, uow: UnitOfWork, queues: Broker) -> list[dict[str, Any]]:
    """Per queue with dead letters: how many wait, were replayed, were discarded, the latest
    death, and how many messages its dead-letter queue holds now (None: the broker did not
    say) — more than wait when messages died before the watcher recorded them."""
    _admins_only(principal)
    summaries = store.queues(uow.session)
    depths = queues.depths(s["queue"] for s in summaries)
    return [s | {"messages": depths.get(s["queue"])} for s in summaries]


# --- admins: acting ---------------------------------------------------------------------------


def replay(
    principal: Principal, uow: UnitOfWork, queues: Broker, dead_letter_id: int
) -> dict[str, Any]:
    """Move the message back to its queue, for its consumer to try again."""
    _admins_only(principal)
    queue = _still_waiting(store.get(uow.session, dead_letter_id), "replay")["queue"]
    uow.rollback()  # no transaction open while the browse lock is waited for
    with queues.browse(queue) as browse:
        row = _still_waiting(store.get(uow.session, dead_letter_id, lock=True), "replay")
        letter = browse.find(row["message_key"])
        if letter is None:
            raise Conflict(
                "The message is no longer in its queue's dead-letter queue (it was removed "
                "outside this API, or a replay did not finish recording); nothing was replayed. "
                "Discard the dead letter to close it."
            )
        browse.replay(letter, row["replays"] + 1)
        replayed = store.mark(uow.session, dead_letter_id, "replayed", principal.subject)
        store.audit(uow.session, principal, "replay", row, "moved")
        uow.commit()
    log.info("dead letter %s replayed to %s", dead_letter_id, queue)
    return replayed


def replay_all(principal: Principal, uow: UnitOfWork, queues: Broker, queue: str) -> dict[str, Any]:
    """Move every waiting message of ``queue`` back to it, in one pass over its dead-letter
    queue; messages with no waiting dead letter stay where they are."""
    _admins_only(principal)
    if store.count_waiting(uow.session, queue) == 0:
        return {"queue": queue, "replayed": 0, "still_waiting": 0}
    uow.rollback()
    replayed = 0
    with queues.browse(queue) as browse:
        for letter in browse:
            row = store.waiting_with_key(uow.session, queue, letter.key)
            if row is None:
                continue  # held until the pass ends, then back where it was
            browse.replay(letter, row["replays"] + 1)
            store.mark(uow.session, row["id"], "replayed", principal.subject)
            store.audit(uow.session, principal, "replay_all", row, "moved")
            uow.commit()
            replayed += 1
        uow.rollback()
    still_waiting = store.count_waiting(uow.session, queue)
    log.info("%d dead letters replayed to %s, %d still waiting", replayed, queue, still_waiting)
    return {"queue": queue, "replayed": replayed, "still_waiting": still_waiting}


def discard(
    principal: Principal, uow: UnitOfWork, queues: Broker, dead_letter_id: int
) -> dict[str, Any]:
    """Take the message out of its dead-letter queue for good; the dead letter stays listed,
    ``discarded``."""
    _admins_only(principal)
    queue = _still_waiting(store.get(uow.session, dead_letter_id), "discard")["queue"]
    uow.rollback()
    with queues.browse(queue) as browse:
        row = _still_waiting(store.get(uow.session, dead_letter_id, lock=True), "discard")
        letter = browse.find(row["message_key"])
        if letter is not None:
            browse.discard(letter)
        discarded = store.mark(uow.session, dead_letter_id, "discarded", principal.subject)
        store.audit(uow.session, principal, "discard", row, "removed" if letter else "not_in_queue")
        uow.commit()
    log.info("dead letter %s of %s discarded", dead_letter_id, queue)
    return discarded


def _still_waiting(row: dict[str, Any], action: str) -> dict[str, Any]:
    """The row, if it still waits; 409 saying what became of it otherwise."""
    if row["state"] == "replayed":
        raise Conflict(
            f"This dead letter was replayed already (at {row['handled_at'].isoformat()}) and is "
            f"no longer in the dead-letter queue, so there is nothing to {action}. If it fails "
            "again it is listed as waiting again."
        )
    if row["state"] == "discarded":
        raise Conflict(
            f"This dead letter was discarded (at {row['handled_at'].isoformat()}); there is "
            f"nothing to {action}."
        )
    return row
