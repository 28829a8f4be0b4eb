"""Benchmark: the coordinators' aggregates — table latency over a large roll-up, and the roll-up
consumer's rate — beside the floor.

    .venv/bin/python bench/aggregates.py [EVENTS] [CONSUMER_EVENTS]

1. Loads the roll-up that EVENTS synthetic participation events leave (default 10,000,000: 50,000
   young people in 40 pilots and 23 regions over 24 months, each active every other month in two
   activity types, 20 events per person and cell and month) straight into ``agg_member`` with SQL,
   then asks every published table for a quarter and for a year through the app, 20 times each:
   p50 / p95 per table. Goal: p95 under 50 ms.
2. Publishes CONSUMER_EVENTS (default 50,000) participation events through the outbox relay and
   RabbitMQ (CloudEvents batches) into the ``aggregates`` queue and runs the consumer: events/s.
   Goal: at least 5,000 events/s.
3. Lag: with the intake stack (gunicorn, relay) and the aggregates consumer running, posts
   participations to intake at 1,000 events/s (lists of 10, 100 a second) for 15 s; for each event,
   the time from its acceptance (``intake_event.received_at``) to its roll-up
   (``processed_event.processed_at`` of the aggregates consumer) — both stamped by the same
   PostgreSQL server at the start of the transaction that stored them, and the API reads the
   roll-up live. Goal: p95 under 2 s.
"""

from __future__ import annotations

import dataclasses
import os
import statistics
import sys
import time
import uuid

import sqlalchemy as sa
from stack import floors

from shared import migrations
from shared.auth import mint_dev_token
from shared.config import Settings
from shared.db import UnitOfWork, make_engine, make_session_factory
from shared.messaging import topology
from shared.messaging.consumer import Consumer
from shared.messaging.envelope import Envelope
from shared.messaging.events import EventType
from shared.messaging.outbox import OutboxRelay

PEOPLE, PILOTS, REGIONS, MONTHS = 50_000, 40, 23, 24


def load(engine: sa.engine.Engine, events: int) -> int:
    per_row = max(1, events // (PEOPLE * MONTHS))  # two activity types, every other month
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO agg_person (person, record_key) SELECT 'dev:' || p, "
                "hashtext('k' || p)::bigint & 4294967295 FROM generate_series(0, :people - 1) p "
                "ORDER BY p"
            ),
            {"people": PEOPLE},
        )
        first = connection.execute(sa.text("SELECT min(id) FROM agg_person")).scalar()
        connection.execute(
            sa.text(
                "INSERT INTO agg_member (measure, month, pilot_id, region, gender, age_band, "
                "activity_type, kind, person_id, events) SELECT 'participation', "
                "make_date(2025 + m / 12, 1 + m % 12, 1), 'pilot-' || (p % :pilots), "
                "lpad(((p % :regions) + 1)::text, 2, '0'), "
                "(ARRAY['female','male','non_binary','unknown'])[1 + p % 4], "
                "(ARRAY['13-15','16-17','18-21','22-25'])[1 + (p / 7) % 4], "
                "(ARRAY['sports','culture','group','guided_leisure'])[1 + (p + a) % 4], "
                "(ARRAY['service','guided_leisure'])[1 + (p + a) % 2], :first + p, :per_row "
                "FROM generate_series(0, :people - 1) p, generate_series(0, :months - 1) m, "
                "generate_series(0, 1) a WHERE (p + m) % 2 = 0"
            ),
            {
                "pilots": PILOTS,
                "regions": REGIONS,
                "people": PEOPLE,
                "months": MONTHS,
                "per_row": per_row,
                "first": first,
            },
        )
        connection.execute(sa.text("ANALYZE agg_member"))
        return int(connection.execute(sa.text("SELECT sum(events) FROM agg_member")).scalar())


def latencies(settings: Settings) -> tuple[float, int, dict[str, list[float]]]:
    """The first request (which loads the process's index), the memory the index took, and every
    table for a quarter and a year — unfiltered, for one pilot, for one region — 20 times each."""
    from services.pilots.app import create_app
    from services.pilots.domain.aggregates import TABLES

    app = create_app(settings)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {mint_dev_token(settings, 'coordinator')}"}
    before = _rss()
    started = time.perf_counter()
    r = client.get("/v1/aggregates/participants-by-kind?period=2025", headers=headers)
    cold = time.perf_counter() - started
    assert r.status_code == 200, r.get_data(as_text=True)
    grown = _rss() - before
    out: dict[str, list[float]] = {}
    for name in TABLES:
        for query in (
            "period=2025-Q3",
            "period=2025",
            "period=2025&pilot=pilot-7",
            "period=2025&region=08",
        ):
            times = []
            for _ in range(20):
                started = time.perf_counter()
                r = client.get(f"/v1/aggregates/{name}?{query}", headers=headers)
                times.append(time.perf_counter() - started)
                assert r.status_code == 200, r.get_data(as_text=True)
            out[f"{name} {query}"] = times
    app.extensions["turvaverkko"].engine.dispose()
    return cold, grown, out


def _rss() -> int:
    """This process's resident memory in bytes (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def consumer_rate(settings: Settings, events: int) -> float:
    from services.pilots.consumers import AGGREGATES

    producer = make_engine(settings.database_url("intake"))
    pilots = make_engine(settings.database_url("pilots"))
    topology.declare(settings, [AGGREGATES.queue])
    with UnitOfWork(make_session_factory(producer)) as uow:
        for n in range(events):
            uow.publish(
                Envelope.new(
                    EventType.PARTICIPATION_RECORDED,
                    "/bench",
                    {
                        "pilot_id": f"pilot-{n % PILOTS}",
                        "key_id": "dev",
                        "pseudonym": f"bench-{n % 20_000}",
                        "gender": "female",
                        "home_region": "08",
                        "age_band": "13-15",
                        "activity_type": "sports",
                        "occurred_at": f"2026-{1 + n % 12:02d}-10T17:00:00+03:00",
                        "attendance": "attended",
                        "kind": "guided_leisure",
                    },
                )
            )
        uow.commit()
    relay = OutboxRelay(settings, producer, "intake")
    import threading

    thread = threading.Thread(target=relay.run, daemon=True)
    thread.start()
    while relay.sent_total < events:
        time.sleep(0.05)
    relay.stop()
    thread.join(30)
    consumer = Consumer(settings, AGGREGATES, lambda: UnitOfWork(make_session_factory(pilots)))
    worker = threading.Thread(target=consumer.run, daemon=True)
    started = time.perf_counter()
    worker.start()
    with pilots.connect() as connection:
        while True:
            done = connection.execute(
                sa.text("SELECT count(*) FROM processed_event WHERE consumer = :c"),
                {"c": consumer.name},
            ).scalar()
            connection.commit()
            if done >= events:
                break
            time.sleep(0.05)
    elapsed = time.perf_counter() - started
    consumer.stop()
    worker.join(60)
    import pika

    connection = pika.BlockingConnection(topology.connection_parameters(settings))
    channel = connection.channel()
    channel.queue_delete(AGGREGATES.queue.name)
    channel.queue_delete(AGGREGATES.queue.dead_letter_queue)
    connection.close()
    producer.dispose()
    pilots.dispose()
    return events / elapsed


def lag(rate: int = 1000, seconds: float = 15) -> list[float]:
    from stack import consumer_lag

    from services.pilots.consumers import AGGREGATES

    return consumer_lag(AGGREGATES, rate, seconds)


def main() -> None:
    events = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    consumer_events = int(sys.argv[2]) if len(sys.argv) > 2 else 50_000
    floor = floors()
    settings = dataclasses.replace(
        Settings.from_env(), database_prefix=f"tvbench_{uuid.uuid4().hex[:6]}_"
    )
    for service in ("pilots", "intake"):
        migrations.upgrade(service, settings)
    try:
        engine = make_engine(settings.database_url("pilots"))
        started = time.perf_counter()
        loaded = load(engine, events)
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT count(*) FROM agg_member")).scalar()
        print(
            f"roll-up of {loaded:,} events: {rows:,} rows, loaded in {time.perf_counter() - started:.0f} s"
        )
        engine.dispose()
        cold, grown, times_by_query = latencies(settings)
        print(f"first request (loads the index): {cold:.1f} s; the index: {grown / 2**20:.0f} MB")
        print(f"{'table and query':<72} {'p50 ms':>8} {'p95 ms':>8}")
        worst = 0.0
        for name, times in times_by_query.items():
            p95 = statistics.quantiles(times, n=20)[-1] * 1000
            worst = max(worst, p95)
            print(f"{name:<72} {statistics.median(times) * 1000:>8.1f} {p95:>8.1f}")
        print(f"worst p95 {worst:.1f} ms; goal < 50 ms")
        rate = consumer_rate(settings, consumer_events)
        print(
            f"roll-up consumer: {rate:,.0f} events/s ({consumer_events:,} events, CloudEvents "
            f"batches) vs {floor['consume_ack']:,.0f} msgs/s consume floor "
            f"({rate / floor['consume_ack']:.2f}); goal 5,000 events/s"
        )
    finally:
        for service in ("pilots", "intake"):
            migrations.drop_database(service, settings)
    lags = sorted(lag())
    p50, p95 = statistics.median(lags), statistics.quantiles(lags, n=20)[-1]
    print(
        f"lag from acceptance to the roll-up at 1,000 events/s: p50 {p50 * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, max {lags[-1] * 1000:.0f} ms ({len(lags):,} events); "
        "goal p95 < 2 s"
    )


if __name__ == "__main__":
    main()
