"""The roll-up: maintained incrementally by the ``aggregates`` consumer — one set-based upsert per
message, a batch of events counted per cell and person first — never by re-scanning events; and
read into protected tables.

Each event adds its young person to one base cell (or, again, counts one more event there). What
counts: attended participations (an absence or a cancellation is not taking part), referrals, and
outcome measurements. The person is the cross-pilot pseudonym; during a key rotation, the
pseudonym under the earlier key, so that the same young person stays one person.
"""

from __future__ import annotations

import functools
import itertools
from collections import Counter
from datetime import date, datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.pilots.domain.aggregates import AGE_GROUPS, PublishedTable
from services.pilots.domain.calendar import HELSINKI
from services.pilots.domain.disclosure import KEY_SPACE, TOTAL, Cell, Key, record_key
from services.pilots.store.tables import agg_member
from shared.config import Settings
from shared.db import UnitOfWork, driver_execute
from shared.messaging.envelope import Envelope
from shared.messaging.events import EventType

NONE = "-"


def person_of(data: dict[str, Any]) -> str:
    earlier = data.get("earlier_pseudonyms") or {}
    if earlier:
        key_id = min(earlier)
        return f"{key_id}:{earlier[key_id]}"
    return f"{data['key_id']}:{data['pseudonym']}"


_ADD = (
    "INSERT INTO agg_member (measure, month, pilot_id, region, gender, age_band, activity_type, "
    "kind, person, record_key, events) SELECT measure, month, pilot_id, region, gender, age_band, "
    "activity_type, kind, person, record_key, events FROM jsonb_to_recordset(%(rows)s::jsonb) AS "
    "r(measure text, month date, pilot_id text, region text, gender text, age_band text, "
    "activity_type text, kind text, person text, record_key bigint, events int) "
    "ON CONFLICT (measure, month, pilot_id, region, gender, age_band, activity_type, kind, person) "
    "DO UPDATE SET events = agg_member.events + EXCLUDED.events"
)
_KEY = ("measure", "month", "pilot_id", "region", "gender", "age_band", "activity_type", "kind")


def _row(event: Envelope) -> dict[str, Any] | None:
    """The base cell and person an event adds to (None: it does not count)."""
    d = event.data
    if event.type == EventType.PARTICIPATION_RECORDED:
        if d.get("attendance") != "attended":
            return None
        when = datetime.fromisoformat(d["occurred_at"]).astimezone(HELSINKI).date()
        measure, detail = "participation", (d.get("activity_type"), d.get("kind"))
    elif event.type == EventType.REFERRAL_RECEIVED:
        when, measure, detail = date.fromisoformat(d["referred_on"]), "referral", (None, None)
    else:
        when = date.fromisoformat(d["measured_on"])
        measure, detail = "outcome", (d.get("instrument"), d.get("time_point"))
    return {
        "measure": measure,
        "month": when.replace(day=1).isoformat(),
        "pilot_id": d["pilot_id"],
        "region": d.get("home_region") or "unknown",
        "gender": d.get("gender") or "unknown",
        "age_band": d.get("age_band") or "unknown",
        "activity_type": detail[0] or NONE,
        "kind": detail[1] or NONE,
        "person": person_of(d),
    }


def add_events(events: list[Envelope], uow: UnitOfWork) -> None:
    """Add the events' young people to their base cells: one statement for the whole batch
    (counted per cell and person first), the same effect as adding them one by one."""
    counts: Counter[tuple[str, ...]] = Counter()
    for event in events:
        row = _row(event)
        if row is not None:
            counts[(*(row[k] for k in _KEY), row["person"])] += 1
    if not counts:
        return
    secret = _secret()
    rows = [
        dict(zip((*_KEY, "person"), key, strict=True))
        | {"record_key": record_key(secret, key[-1]), "events": n}
        for key, n in counts.items()
    ]
    driver_execute(uow.session, _ADD, {"rows": orjson.dumps(rows).decode()})


def add_event(event: Envelope, uow: UnitOfWork) -> None:
    add_events([event], uow)


@functools.cache
def _secret() -> bytes:
    """The record-key secret, from the environment like every setting of a worker process."""
    return Settings.from_env().record_key_secret.encode()


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
