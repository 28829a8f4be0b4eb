"""Benchmark: the ``pilots.case-events`` consumer (case timelines) beside the consume floor.

    .venv/bin/python bench/case_events.py [EVENTS]

1. Throughput. Three producers at once — three regional systems — write EVENTS (default 60,000)
   events into intake's outbox, in transactions of 500: a referral for each of EVENTS/6 young
   people in six pilots, then participations (two thirds of the events) and outcomes (a sixth)
   of young people drawn at random, so that the producers' messages interleave over the same
   young people. The relay publishes them (CloudEvents batches of 100) into the case-events
   queue; then the consumer (prefetch 64, four handler threads, as ``turvaverkko run`` starts
   it) drains the queue: events/s from its start to the last event applied, and the deadlocks
   PostgreSQL counted meanwhile. Goal: at least 5,000 events/s, no deadlock.
2. Lag: with the intake stack (gunicorn, relay) and the consumer running, the young people are
   referred, then participations are posted at 1,000 events/s (lists of 10) for 15 s; for each,
   the time from its acceptance to its case timeline (``processed_event.processed_at`` of the
   consumer). Goal: p95 under 2 s.
"""

from __future__ import annotations

import dataclasses
import json
import random
import statistics
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from stack import _channel, consumer_lag, floors

from services.pilots.consumers import CASE_EVENTS
from shared import migrations
from shared.config import Settings
from shared.db import UnitOfWork, make_engine, make_session_factory
from shared.messaging import topology
from shared.messaging.consumer import Consumer
from shared.messaging.envelope import Envelope
from shared.messaging.events import EventType
from shared.messaging.outbox import OutboxRelay

PILOTS = [f"pilot-{n}" for n in range(6)]
PRODUCERS = 3


def create_pilots(engine: sa.engine.Engine, pilots: list[str]) -> None:
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO organisation (id, name, type) VALUES ('org-bench', 'Bench', 'ngo') "
                "ON CONFLICT DO NOTHING"
            )
        )
        for pilot_id in pilots:
            connection.execute(
                sa.text(
                    "INSERT INTO pilot (id, name_fi, lead_organisation_id, theme, target_group, "
                    "starts_on) VALUES (:id, :id, 'org-bench', 't', 'g', '2026-01-01')"
                ),
                {"id": pilot_id},
            )


def _data(person: int) -> dict[str, str]:
    return {
        "pilot_id": PILOTS[person % len(PILOTS)],
        "key_id": "dev",
        "pseudonym": f"{person:064x}",
        "gender": "female",
        "home_region": "08",
        "age_band": "13-15",
    }


def producer_events(producer: int, people: int, total: int) -> list[list[Envelope]]:
    """One producer's transactions: its share of the referrals, then random people's events."""
    rng = random.Random(producer)
    start = datetime(2026, 1, 5, 16, tzinfo=UTC)
    events = [
        Envelope.new(
            EventType.REFERRAL_RECEIVED,
            "/bench",
            _data(p)
            | {
                "referred_on": "2026-01-02",
                "referring_organisation_type": "school",
                "reason": "other",
            },
        )
        for p in range(producer, people, PRODUCERS)
    ]
    while len(events) < total // PRODUCERS:
        person = rng.randrange(people)
        if rng.random() < 0.8:
            at = start + timedelta(hours=rng.randrange(24 * 300))
            data = _data(person) | {
                "activity_id": "a",
                "activity_type": "sports",
                "occurred_at": at.isoformat(),
                "attendance": "attended",
                "kind": "sports",
                "duration_minutes": 60,
            }
            events.append(Envelope.new(EventType.PARTICIPATION_RECORDED, "/bench", data))
        else:
            data = _data(person) | {
                "instrument": "WEMWBS",
                "time_point": "interim",
                "value": 40,
                "measured_on": "2026-06-01",
            }
            events.append(Envelope.new(EventType.OUTCOME_RECORDED, "/bench", data))
    return [events[i : i + 500] for i in range(0, len(events), 500)]


def deadlocks(engine: sa.engine.Engine, database: str) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                sa.text("SELECT deadlocks FROM pg_stat_database WHERE datname = :d"),
                {"d": database},
            ).scalar_one()
        )


def throughput(settings: Settings, total: int) -> tuple[float, int, int]:
    """Events/s of the consumer, the events applied, and the deadlocks counted meanwhile."""
    intake = make_engine(settings.database_url("intake"), pool_size=PRODUCERS)
    pilots = make_engine(settings.database_url("pilots"))
    create_pilots(pilots, PILOTS)
    topology.declare(settings, [CASE_EVENTS.queue])
    people = total // 6
    sessions = make_session_factory(intake)

    def produce(producer: int) -> None:
        for transaction in producer_events(producer, people, total):
            with UnitOfWork(sessions) as uow:
                for event in transaction:
                    uow.publish(event)
                uow.commit()

    threads = [threading.Thread(target=produce, args=(p,)) for p in range(PRODUCERS)]
    relay = OutboxRelay(settings, intake, "intake")
    relay_thread = threading.Thread(target=relay.run, daemon=True)
    relay_thread.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with intake.connect() as connection:
        written = connection.execute(sa.text("SELECT count(*) FROM outbox")).scalar_one()
    while relay.sent_total < written:
        time.sleep(0.05)
    relay.stop()
    relay_thread.join(30)

    before = deadlocks(pilots, settings.database_name("pilots"))
    consumer = Consumer(settings, CASE_EVENTS, lambda: UnitOfWork(make_session_factory(pilots)))
    worker = threading.Thread(target=consumer.run, daemon=True)
    started = time.perf_counter()
    worker.start()
    with pilots.connect() as connection:
        while True:
            done = connection.execute(
                sa.text("SELECT count(*) FROM processed_event WHERE consumer = :c"),
                {"c": consumer.name},
            ).scalar_one()
            connection.commit()
            if done >= written:
                break
            time.sleep(0.05)
    elapsed = time.perf_counter() - started
    consumer.stop()
    worker.join(60)
    pilots.dispose()  # a backend's statistics reach pg_stat_database when it ends
    time.sleep(1.5)
    counted = deadlocks(intake, settings.database_name("pilots")) - before
    with _channel(settings) as channel:
        channel.queue_delete(CASE_EVENTS.queue.name)
        channel.queue_delete(CASE_EVENTS.queue.dead_letter_queue)
    intake.dispose()
    return written / elapsed, written, counted


def refer_everyone(settings: Settings, pilots: sa.engine.Engine, send) -> None:  # type: ignore[no-untyped-def]
    """The lag run's young people are referred first (untimed), so that their cases exist."""
    from tests.support.intake_data import referral

    create_pilots(pilots, ["pilot-a", "pilot-b"])
    for n in range(0, 15_000, 500):
        assert send(json.dumps([referral(i) for i in range(n, n + 500)]).encode()) == 200


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 60_000
    floor = floors()
    settings = dataclasses.replace(
        Settings.from_env(), database_prefix=f"tvbench_{uuid.uuid4().hex[:6]}_"
    )
    for service in ("pilots", "intake"):
        migrations.upgrade(service, settings)
    try:
        rate, applied, counted = throughput(settings, total)
    finally:
        for service in ("pilots", "intake"):
            migrations.drop_database(service, settings)
    print(
        f"case-events consumer: {rate:,.0f} events/s ({applied:,} events from {PRODUCERS} "
        f"producers, CloudEvents batches) vs {floor['consume_ack']:,.0f} msgs/s consume floor "
        f"({rate / floor['consume_ack']:.2f}); deadlocks: {counted}; goal 5,000 events/s, none"
    )
    lags = sorted(consumer_lag(CASE_EVENTS, prepare=refer_everyone))
    p50, p95 = statistics.median(lags), statistics.quantiles(lags, n=20)[-1]
    print(
        f"lag from acceptance to the case timeline at 1,000 events/s: p50 {p50 * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, max {lags[-1] * 1000:.0f} ms ({len(lags):,} events); "
        "goal p95 < 2 s"
    )


if __name__ == "__main__":
    main()
