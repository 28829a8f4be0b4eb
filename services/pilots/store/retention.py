"""Retention of ended cases: a case closed or declined more than ``CASE_RETENTION_MONTHS`` ago is
made anonymous, in batches, by the scheduler's worker.

What goes: the link to the young person — the case's key id, pseudonym and case code (which the
regional client record holds), and those of its episode's timeline entries, become ``erased`` /
``erased:<case id>``; a later episode's link back to it — and the free text written about them
(the reasons given for moves, task titles). What stays: the case's coarse facts (state,
closing reason, age band, gender, region, dates), its moves' codes and times, the audit log (it
names cases, never people), and the coordinators' figures, which count people by their roll-up
id. The roll-up's own link from that id to the pseudonym is erased too once no case of the young
person that is not anonymous names it. A later referral of the same young person opens a new
case with nothing linking it to the erased one.

Each case is locked (``SKIP LOCKED``: two workers share the work); ``usecases/retention.py``
makes it anonymous and publishes its ``case.anonymised`` in one transaction, so intake drops its
case map entry exactly when the case loses its link.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.pilots.store.case_repository import episode_entries
from services.pilots.store.tables import (
    agg_person,
    case_task,
    case_transition,
    pilot_case,
    timeline_entry,
)

ERASED_KEY = "erased"
ERASED_TEXT = "(erased)"
#: The free text of a move kept on the timeline.
_FREE_TEXT = ("reason",)


def due(session: Session, cutoff: datetime, limit: int) -> list[dict[str, Any]]:
    """Up to ``limit`` ended cases older than ``cutoff`` not yet anonymous, locked."""
    c = pilot_case.c
    rows = session.execute(
        sa.select(pilot_case)
        .where(c.ended_at.is_not(None), c.anonymised_at.is_(None), c.ended_at < cutoff)
        .order_by(c.ended_at, c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).mappings()
    return [dict(r) for r in rows]


def anonymise(session: Session, case: dict[str, Any], now: datetime) -> None:
    """Erase the case's link to its young person and the free text about them."""
    erased = f"erased:{case['id']}"
    t = timeline_entry.c
    summary: Any = t.summary
    for key in _FREE_TEXT:
        summary = summary.op("-")(key)
    session.execute(
        sa.update(timeline_entry)
        .where(episode_entries(session, case))
        .values(key_id=ERASED_KEY, pseudonym=erased, summary=summary)
    )
    session.execute(
        sa.update(case_transition)
        .where(case_transition.c.case_id == case["id"])
        .values(reason=ERASED_TEXT)
    )
    session.execute(
        sa.update(case_task).where(case_task.c.case_id == case["id"]).values(title=ERASED_TEXT)
    )
    session.execute(
        sa.update(pilot_case)
        .where(pilot_case.c.id == case["id"])
        .values(
            key_id=ERASED_KEY,
            pseudonym=erased,
            # The code is written in the regional client record: kept, it would name the case.
            code=erased,
            anonymised_at=now,
            version=pilot_case.c.version + 1,
            updated_at=sa.func.now(),
        )
    )
    # A later episode no longer points back at it (its own timeline starts at its referral).
    session.execute(
        sa.update(pilot_case)
        .where(pilot_case.c.previous_case_id == case["id"])
        .values(previous_case_id=None, version=pilot_case.c.version + 1, updated_at=sa.func.now())
    )
    person = f"{case['key_id']}:{case['pseudonym']}"
    still_named = session.execute(
        sa.select(pilot_case.c.id)
        .where(pilot_case.c.key_id == case["key_id"], pilot_case.c.pseudonym == case["pseudonym"])
        .limit(1)
    ).first()
    if still_named is None:
        session.execute(
            sa.update(agg_person)
            .where(agg_person.c.person == person)
            .values(person=sa.func.concat("erased:", agg_person.c.id))
        )
