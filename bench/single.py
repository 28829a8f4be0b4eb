"""Benchmark: single-item POSTs to intake — throughput (closed loop), and p50 / p99 latency at a
fixed 200 requests/s (open loop) — with the whole intake stack on this machine, beside the floor.

    .venv/bin/python bench/single.py [SECONDS] [WEB_WORKERS] [THREADS] [CONNECTIONS]

Throughput is measured closed-loop over CONNECTIONS keep-alive connections (default 32: many
workers' browsers and regional systems at once), with the service's default 2 gunicorn processes
of 8 threads. Goals: at least 800 requests/s; p99 under 50 ms at 200 requests/s.
"""

from __future__ import annotations

import asyncio
import json
import sys

from loadgen import closed_loop, open_loop, percentile, post
from stack import floors, intake_stack, token

from tests.support.intake_data import participation


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 15
    floor = floors()
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    connections = int(sys.argv[4]) if len(sys.argv) > 4 else 32
    with intake_stack(web_workers=workers, web_threads=threads) as stack:
        host, port = "127.0.0.1", int(stack.base_url.rsplit(":", 1)[1])
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {token(stack.settings)}",
        }

        def request(prefix: str):
            def make(n: int) -> bytes:
                body = json.dumps(participation(n, source_id=f"{prefix}-{n}")).encode()
                return post("/v1/participations", host, body, headers)

            return make

        # Warm up first: every gunicorn process loaded, connections and statements prepared.
        asyncio.run(closed_loop(host, port, request("W"), connections, 3))
        count, statuses = asyncio.run(closed_loop(host, port, request("T"), connections, seconds))
        throughput = count / seconds
        bad = [s for s in statuses if s != 201]
        latencies, statuses2 = asyncio.run(open_loop(host, port, request("L"), 200, seconds))
        bad += [s for s in statuses2 if s != 201]
    if bad:
        raise SystemExit(f"{len(bad)} requests failed, e.g. {bad[:5]}")
    p50, p99 = percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000
    sync = floor["publish_confirm_each"]
    print(f"{'measure':<44} {'value':>10} {'floor':>10} {'ratio':>6}")
    print(
        f"{f'single-item POST, {connections} connections (req/s)':<44} {throughput:>10,.0f} "
        f"{sync:>10,.0f} "
        f"{throughput / sync:>6.2f}  (vs one blocking confirm per message/s); goal 800"
    )
    print(f"{'latency at 200 req/s: p50 / p99 (ms)':<44} {p50:>5.1f} / {p99:<5.1f}  goal p99 < 50")


if __name__ == "__main__":
    main()
