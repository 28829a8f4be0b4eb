"""The roll-up: maintained incrementally by the ``aggregates`` consumer, one upsert per event —
never by re-scanning events — and read into protected tables.

Each event adds its young person to one base cell (or, again, counts one more event there). What
counts: attended participations (an absence or a cancellation is not taking part), referrals, and
outcome measurements. The person is the cross-pilot pseudonym; during a key rotation, the
pseudonym under the earlier key, so that the same young person stays one person.
"""

from __future__ import annotations

import functools
import itertools
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.pilots.domain.aggregates import AGE_GROUPS, PublishedTable
from services.pilots.domain.disclosure import KEY_SPACE, TOTAL, Cell, Key, record_key
from services.pilots.store.tables import agg_member
from shared.config import Settings
from shared.db import UnitOfWork
from shared.messaging.envelope import Envelope

HELSINKI = ZoneInfo("Europe/Helsinki")
NONE = "-"


def person_of(data: dict[str, Any]) -> str:
    earlier = data.get("earlier_pseudonyms") or {}
    if earlier:
        key_id = min(earlier)
        return f"{key_id}:{earlier[key_id]}"
    return f"{data['key_id']}:{data['pseudonym']}"


def _month(day: date) -> date:
    return day.replace(day=1)


def add(
    uow: UnitOfWork,
    secret: bytes,
    measure: str,
    month: date,
    data: dict[str, Any],
    activity_type: str,
    kind: str,
) -> None:
    """The event's young person in its base cell: a new member, or one more event."""
    person = person_of(data)
    stmt = insert(agg_member).values(
        measure=measure,
        month=month,
        pilot_id=data["pilot_id"],
        region=data.get("home_region") or "unknown",
        gender=data.get("gender") or "unknown",
        age_band=data.get("age_band") or "unknown",
        activity_type=activity_type,
        kind=kind,
        person=person,
        record_key=record_key(secret, person),
        events=1,
    )
    uow.session.execute(
        stmt.on_conflict_do_update(
            index_elements=[c for c in agg_member.primary_key.columns],
            set_={"events": agg_member.c.events + 1},
        )
    )


@functools.cache
def _secret() -> bytes:
    """The record-key secret, from the environment like every setting of a worker process."""
    return Settings.from_env().record_key_secret.encode()


def on_participation(event: Envelope, uow: UnitOfWork) -> None:
    d = event.data
    if d.get("attendance") != "attended":
        return
    when = datetime.fromisoformat(d["occurred_at"]).astimezone(HELSINKI).date()
    kind, activity_type = d.get("kind") or NONE, d.get("activity_type") or NONE
    add(uow, _secret(), "participation", _month(when), d, activity_type, kind)


def on_referral(event: Envelope, uow: UnitOfWork) -> None:
    d = event.data
    add(uow, _secret(), "referral", _month(date.fromisoformat(d["referred_on"])), d, NONE, NONE)


def on_outcome(event: Envelope, uow: UnitOfWork) -> None:
    d = event.data
    instrument, time_point = d.get("instrument") or NONE, d.get("time_point") or NONE
    add(
        uow,
        _secret(),
        "outcome",
        _month(date.fromisoformat(d["measured_on"])),
        d,
        instrument,
        time_point,
    )


def _column(name: str) -> sa.ColumnElement[Any]:
    if name == "age_group":
        return sa.case(
            *((agg_member.c.age_band == band, group) for band, group in AGE_GROUPS.items()),
            else_="other",
        ).label("age_group")
    if name == "month":
        return sa.func.to_char(agg_member.c.month, "YYYY-MM").label("month")
    return agg_member.c[name].label(name)


def cells(
    session: Session,
    table: PublishedTable,
    start: date,
    end: date,
    pilot_id: str | None = None,
    region: str | None = None,
) -> dict[Key, Cell]:
    """The extended table (every total included) of distinct young people and their cell keys,
    straight from the roll-up: one query with grouping sets."""
    columns = [_column(c) for c in table.columns]
    where = [
        agg_member.c.measure == table.measure,
        agg_member.c.month >= start,
        agg_member.c.month < end,
    ]
    if pilot_id is not None:
        where.append(agg_member.c.pilot_id == pilot_id)
    if region is not None:
        where.append(agg_member.c.region == region)
    dims = len(columns)
    sets = [
        tuple(c for c, keep in zip(columns, mask, strict=True) if keep) for mask in _masks(dims)
    ]
    stmt = (
        sa.select(
            *columns,
            *(sa.func.grouping(c).label(f"g{i}") for i, c in enumerate(columns)),
            sa.func.count(sa.distinct(agg_member.c.person)).label("people"),
            sa.func.sum(sa.distinct(agg_member.c.record_key)).label("key_sum"),
        )
        .where(*where)
        .group_by(sa.func.grouping_sets(*(sa.tuple_(*s) if s else sa.text("()") for s in sets)))
    )
    out: dict[Key, Cell] = {}
    for row in session.execute(stmt):
        key = tuple(TOTAL if row[dims + i] else str(row[i]) for i in range(dims))
        out[key] = Cell(int(row.people), int(row.key_sum or 0) % KEY_SPACE)
    out.setdefault(tuple(TOTAL for _ in range(dims)), Cell(0, 0))
    return out


def _masks(dims: int) -> list[tuple[bool, ...]]:
    return list(itertools.product((True, False), repeat=dims))
