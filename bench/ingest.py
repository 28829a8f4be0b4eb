"""Benchmark: intake's sustained rate for lists of 500 events — accepted over HTTP, stored, and
confirmed by RabbitMQ — with the whole intake stack on this machine, beside the floors.

    .venv/bin/python bench/ingest.py [SECONDS] [CLIENTS]

Each client thread posts pre-built lists of 500 participation events (distinct source ids) on a
keep-alive connection for SECONDS; the rate counts events from the first request until the last
accepted event is confirmed by the broker and marked sent. Goal: at least 5,000 events/s.
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
from urllib.parse import urlsplit

from stack import floors, intake_stack, token, unsent

from tests.support.intake_data import participation


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 20
    clients = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    floor = floors()
    with intake_stack(web_workers=2, web_threads=2) as stack:
        bearer = token(stack.settings)
        host = urlsplit(stack.base_url)
        accepted = [0] * clients
        errors: list[str] = []
        deadline = time.monotonic() + seconds

        def client(n: int) -> None:
            conn = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
            batch = 0
            while time.monotonic() < deadline:
                items = [participation(i, source_id=f"B{n}-{batch}-{i}") for i in range(500)]
                body = json.dumps(items).encode()
                conn.request(
                    "POST",
                    "/v1/participations",
                    body,
                    {"Content-Type": "application/json", "Authorization": f"Bearer {bearer}"},
                )
                response = conn.getresponse()
                payload = json.loads(response.read())
                if response.status != 200:
                    errors.append(f"{response.status}")
                    return
                accepted[n] += payload["accepted"]
                batch += 1

        started = time.monotonic()
        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        http_done = time.monotonic()
        while unsent(stack.engine):
            time.sleep(0.05)
        confirmed = time.monotonic()
        if errors:
            raise SystemExit(f"errors: {errors[:5]}")
    total = sum(accepted)
    rate = total / (confirmed - started)
    print(f"{'measure':<52} {'value':>10} {'floor':>10} {'ratio':>6}")
    print(
        f"{'ingest, lists of 500, accepted+stored+confirmed':<52} {rate:>10,.0f} "
        f"{floor['pipelined_confirms']:>10,.0f} {rate / floor['pipelined_confirms']:>6.2f}  "
        "(events/s vs pipelined confirms/s)"
    )
    print(
        f"{'':<52} {'':>10} {floor['pg_executemany']:>10,.0f} "
        f"{rate / floor['pg_executemany']:>6.2f}  (vs PostgreSQL multi-row insert rows/s)"
    )
    print(
        f"{total:,} events in {confirmed - started:.1f}s ({http_done - started:.1f}s of HTTP, "
        f"{confirmed - http_done:.1f}s draining the outbox); {clients} clients; goal 5,000/s"
    )


if __name__ == "__main__":
    main()
