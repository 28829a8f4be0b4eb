"""The aggregates index (``services/pilots/store/rollup_index.py``): the coordinators' tables
answered from bitmaps in memory must be exactly what the roll-up in PostgreSQL says — for every
table, period and filter, loaded at once or kept in step event by event — and keeping in step must
miss no row, not even one whose transaction began before a read and committed after it."""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from services.pilots.app import warm
from services.pilots.consumers import AGGREGATES
from services.pilots.domain.aggregates import AGE_GROUPS, TABLES, period_months
from services.pilots.domain.disclosure import KEY_SPACE, TOTAL, Cell
from services.pilots.store.rollup_index import RollupIndex
from shared.config import Settings
from shared.db import UnitOfWork, make_session_factory
from shared.messaging.consumer import Consumer, Outcome
from shared.messaging.envelope import Envelope
from shared.messaging.events import EventType
from tests.support.consume import deliver, deliver_batch

pytestmark = pytest.mark.integration

PILOTS = ("pilot-north", "pilot-south", "pilot-east")
REGIONS = ("19", "08", "06")
PERIODS = ("2026-03", "2026-Q1", "2026-Q4", "2026", "2027-Q1", "2027")
FILTERS: tuple[dict[str, str], ...] = (
    {},
    {"pilot_id": "pilot-south"},
    {"region": "08"},
    {"pilot_id": "pilot-north", "region": "19"},
)


def synthetic_events(seed: int, n: int) -> list[Envelope]:
    """Attended, absent and cancelled participations and referrals of 60 synthetic young people
    over 2026–2027, in three pilots and regions (a person may appear in more than one)."""
    rng = random.Random(seed)
    events = []
    for _ in range(n):
        person = rng.randrange(60)
        when = date(2026 + rng.randrange(2), 1 + rng.randrange(12), 1 + rng.randrange(28))
        common = {
            "pilot_id": rng.choice(PILOTS),
            "key_id": "dev",
            "pseudonym": f"idx-{person}",
            "gender": ("female", "male", "non_binary", "unknown")[person % 4],
            "home_region": rng.choice(REGIONS),
            "age_band": ("13-15", "16-17", "18-21", "22-25")[person % 4],
        }
        if rng.random() < 0.2:
            data = common | {"referred_on": when.isoformat()}
            events.append(Envelope.new(EventType.REFERRAL_RECEIVED, "/t", data))
            continue
        data = common | {
            "activity_id": "a",
            "activity_type": rng.choice(("sports", "culture", "group")),
            "kind": rng.choice(("service", "guided_leisure")),
            "occurred_at": f"{when.isoformat()}T12:00:00+03:00",
            "attendance": rng.choice(("attended", "attended", "absent", "cancelled")),
        }
        events.append(Envelope.new(EventType.PARTICIPATION_RECORDED, "/t", data))
    return events


def roll_up(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT m.measure, m.month, m.pilot_id, m.region, m.gender, m.age_band, "
                "m.activity_type, m.kind, m.person_id, p.record_key "
                "FROM agg_member m JOIN agg_person p ON p.id = m.person_id"
            )
        ).mappings()
        return [dict(r) for r in rows]


def expected_cells(
    members: list[dict[str, Any]], table_name: str, period: str, **filters: str
) -> dict:
    """The extended table worked out from the roll-up's rows with Python sets: an independent
    reckoning of the same definition."""
    table = TABLES[table_name]
    start, end = period_months(period)
    keys = {m["person_id"]: m["record_key"] for m in members}
    groups: dict[tuple[str, ...], set[int]] = defaultdict(set)
    for m in members:
        if m["measure"] != table.measure or not start <= m["month"] < end:
            continue
        if any(m[k] != v for k, v in filters.items()):
            continue
        values = {
            **m,
            "month": m["month"].strftime("%Y-%m"),
            "age_group": AGE_GROUPS.get(m["age_band"], "other"),
        }
        full = tuple(values[c] for c in table.columns)
        for mask in itertools.product((True, False), repeat=len(full)):
            key = tuple(v if keep else TOTAL for v, keep in zip(full, mask, strict=True))
            groups[key].add(m["person_id"])
    out = {k: Cell(len(v), sum(keys[p] for p in v) % KEY_SPACE) for k, v in groups.items()}
    out.setdefault(tuple(TOTAL for _ in table.columns), Cell(0, 0))
    return out


@pytest.fixture
def consumer(settings: Settings, engines: dict[str, Engine]) -> Consumer:
    return Consumer(
        settings, AGGREGATES, lambda: UnitOfWork(make_session_factory(engines["pilots"]))
    )


def test_every_table_period_and_filter_matches_the_roll_up_loaded_at_once_or_kept_in_step(
    pilots_app: Any, consumer: Consumer, engines: dict[str, Engine]
) -> None:
    events = synthetic_events(seed=7, n=900)
    kept_in_step = RollupIndex(engines["pilots"], TABLES)
    deliver_batch(consumer, events[:300])
    kept_in_step.cells(TABLES["participants-by-kind"], date(2026, 1, 1), date(2028, 1, 1))
    for n in range(300, 900, 100):  # then message by message, read between them
        deliver_batch(consumer, events[n : n + 100])
        kept_in_step.cells(TABLES["referrals-by-pilot-month"], date(2026, 1, 1), date(2027, 1, 1))
    loaded_at_once = RollupIndex(engines["pilots"], TABLES)
    compared, members = 0, roll_up(engines["pilots"])
    for name, period, filters in itertools.product(TABLES, PERIODS, FILTERS):
        expected = expected_cells(members, name, period, **filters)
        for index in (kept_in_step, loaded_at_once):
            got = index.cells(TABLES[name], *period_months(period), **filters)
            assert got == expected, (name, period, filters)
        compared += len(expected)
    assert compared > 2_000  # the data reaches every table, period and filter


def insert_member(connection: sa.Connection, person: str, month: date) -> None:
    person_id = connection.execute(
        sa.text(
            "INSERT INTO agg_person (person, record_key) VALUES (:p, 1) "
            "ON CONFLICT (person) DO UPDATE SET record_key = 1 RETURNING id"
        ),
        {"p": person},
    ).scalar_one()
    connection.execute(
        sa.text(
            "INSERT INTO agg_member (measure, month, pilot_id, region, gender, age_band, "
            "activity_type, kind, person_id, events) VALUES ('participation', :m, 'pilot-north', "
            "'19', 'female', '13-15', 'sports', 'service', :id, 1)"
        ),
        {"m": month, "id": person_id},
    )


def test_a_transaction_that_began_before_a_read_and_committed_after_it_is_not_missed(
    pilots_app: Any, engines: dict[str, Engine]
) -> None:
    """The slow transaction has the older transaction id; a later, quicker one commits first and
    is read. Reading on from the newest id seen would skip the slow one for ever."""
    index = RollupIndex(engines["pilots"], TABLES)
    table, july = TABLES["participants-by-kind"], (date(2026, 7, 1), date(2026, 8, 1))
    assert index.cells(table, *july)[(TOTAL,)].count == 0
    with engines["pilots"].connect() as slow:
        slow.begin()
        insert_member(slow, "slow", date(2026, 7, 1))  # its transaction id is taken now
        with engines["pilots"].begin() as quick:
            insert_member(quick, "quick", date(2026, 7, 1))
        assert index.cells(table, *july)[(TOTAL,)].count == 1  # quick only: slow is uncommitted
        slow.commit()
    assert index.cells(table, *july)[(TOTAL,)].count == 2


def test_a_young_person_first_seen_in_a_rolled_back_transaction_counts_when_seen_again(
    pilots_app: Any, consumer: Consumer, engines: dict[str, Engine]
) -> None:
    """The consumer remembers people's ids only once committed: the id a rolled-back insert
    handed out points at nobody."""
    event = synthetic_events(seed=1, n=1)[0]
    sessions = make_session_factory(engines["pilots"])
    with pytest.raises(RuntimeError), UnitOfWork(sessions) as uow:
        consumer.spec.batch_handlers[event.type]([event], uow)
        raise RuntimeError("the rest of the message failed")
    again = Envelope.new(event.type, event.source, event.data)
    assert deliver(consumer, again) == [Outcome.ACK]
    with engines["pilots"].connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM agg_person")).scalar() == 1


def test_a_web_worker_loads_the_index_as_it_starts_not_at_the_first_request(
    pilots_app: Any, consumer: Consumer
) -> None:
    deliver_batch(consumer, synthetic_events(seed=3, n=50))
    index: RollupIndex = pilots_app.extensions["rollup_index"]
    assert not index.loaded.is_set()
    warm(pilots_app)
    assert index.loaded.wait(30)
