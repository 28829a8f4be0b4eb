"""Benchmark: the outbox relay, from outbox rows to messages confirmed by RabbitMQ.

    .venv/bin/python bench/relay.py [ROWS] [ROUNDS]

Writes ROWS probe events into a scratch service database's outbox, runs one relay until every row
is confirmed and marked sent, and prints rows/s next to the raw floor of this machine
(``../shared/bench/floor_async.py``: pipelined publisher confirms into a quorum queue), measured in
the same run, as a ratio (the median of ROUNDS alternating runs). Goal: at least 0.5 of the floor.

Two configurations: one event per message (like for like with the floor, which counts messages),
and the default CloudEvents batches of ``relay_events_per_message`` events of one type.
"""

from __future__ import annotations

import dataclasses
import sys
import threading
import time
import uuid
from pathlib import Path

import pika

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from stack import FLOOR_DIR, pipelined_confirms  # noqa: E402

from shared import migrations  # noqa: E402
from shared.config import Settings  # noqa: E402
from shared.db import make_engine, make_session_factory, write_outbox  # noqa: E402
from shared.messaging import topology  # noqa: E402
from shared.messaging.envelope import Envelope  # noqa: E402
from shared.messaging.events import EventType  # noqa: E402
from shared.messaging.outbox import OutboxRelay  # noqa: E402
from shared.messaging.schema import outbox  # noqa: E402


def relay_rate(settings: Settings, rows: int) -> float:
    service = "intake"
    migrations.upgrade(service, settings)
    engine = make_engine(settings.database_url(service))
    queue = f"bench.relay.{uuid.uuid4().hex[:6]}"
    connection = pika.BlockingConnection(topology.connection_parameters(settings))
    channel = connection.channel()
    topology.declare_events_exchange(channel, settings)
    channel.queue_declare(queue, durable=True, arguments={"x-queue-type": "quorum"})
    channel.queue_bind(queue, settings.events_exchange, EventType.PLATFORM_PROBE)
    try:
        with make_session_factory(engine)() as session:
            session.execute(outbox.delete())
            pad = "x" * 120  # about the size of a real event body
            for start in range(0, rows, 5000):
                write_outbox(
                    session,
                    [
                        Envelope.new(EventType.PLATFORM_PROBE, "/bench", {"seq": i, "pad": pad})
                        for i in range(start, min(rows, start + 5000))
                    ],
                )
            session.commit()
        relay = OutboxRelay(settings, engine, service)
        thread = threading.Thread(target=relay.run, daemon=True)
        started = time.perf_counter()
        thread.start()
        while relay.sent_total < rows:
            if not thread.is_alive():
                raise RuntimeError("the relay stopped early")
            time.sleep(0.005)
        elapsed = time.perf_counter() - started
        relay.stop()
        thread.join(30)
        depth = channel.queue_declare(queue, passive=True).method.message_count
        expected = -(-rows // settings.relay_events_per_message)
        if depth != expected:
            raise RuntimeError(f"{depth} messages in the queue, expected {expected}")
        return rows / elapsed
    finally:
        channel.queue_delete(queue)
        connection.close()
        engine.dispose()
        migrations.drop_database(service, settings)


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    base = Settings.from_env()
    settings = dataclasses.replace(base, database_prefix=f"tvbench_{uuid.uuid4().hex[:6]}_")
    single = dataclasses.replace(settings, relay_events_per_message=1)
    # Floor and relays alternate, so that all see the same machine; the median ratio is reported.
    results: dict[str, list[tuple[float, float]]] = {"one event per message": [], "batched": []}
    for _ in range(rounds):
        floor_rate = pipelined_confirms(rows)
        results["one event per message"].append((relay_rate(single, rows), floor_rate))
        results["batched"].append((relay_rate(settings, rows), floor_rate))
    print(f"{'measure':<52} {'rows/s':>10} {'floor/s':>10} {'ratio':>6}")
    for name, runs in results.items():
        runs.sort(key=lambda r: r[0] / r[1])
        rate, floor_rate = runs[len(runs) // 2]
        ratios = ", ".join(f"{r / f:.2f}" for r, f in runs)
        print(
            f"{f'outbox relay -> confirmed, {name}':<52} {rate:>10,.0f} "
            f"{floor_rate:>10,.0f} {rate / floor_rate:>6.2f}  (ratios {ratios})"
        )
    print(
        f"{rows} rows, median of {rounds} rounds; batch {settings.relay_batch_size}, batches in "
        f"flight {settings.relay_batches_in_flight}, {settings.relay_events_per_message} events "
        f"per batched message; floor: {FLOOR_DIR / 'floor_async.py'} {rows}"
    )


if __name__ == "__main__":
    main()
