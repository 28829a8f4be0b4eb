"""A small asyncio HTTP/1.1 load generator (keep-alive, Content-Length bodies) for the benchmarks:
closed-loop for throughput, open-loop at a fixed rate for latency (each request is timed from
when it was due, so a slow server cannot hide its queueing: no coordinated omission)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        return cls(*await asyncio.open_connection(host, port))

    async def request(self, raw: bytes) -> int:
        self.writer.write(raw)
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        self.writer.close()


def post(path: str, host: str, body: bytes, headers: dict[str, str]) -> bytes:
    head = [
        f"POST {path} HTTP/1.1",
        f"Host: {host}",
        f"Content-Length: {len(body)}",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def closed_loop(
    host: str, port: int, make: Callable[[int], bytes], connections: int, seconds: float
) -> tuple[int, list[int]]:
    """Each connection sends its next request when the last is answered; returns (count, statuses)."""
    deadline = time.monotonic() + seconds
    counter = iter(range(10**9))
    statuses: list[int] = []

    async def run() -> None:
        conn = await Connection.open(host, port)
        while time.monotonic() < deadline:
            statuses.append(await conn.request(make(next(counter))))
        conn.close()

    await asyncio.gather(*(run() for _ in range(connections)))
    return len(statuses), statuses


async def open_loop(
    host: str,
    port: int,
    make: Callable[[int], bytes],
    rate: float,
    seconds: float,
    connections: int = 32,
) -> tuple[list[float], list[int]]:
    """Send ``rate`` requests a second on a schedule; latency counts from each scheduled time."""
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(await Connection.open(host, port))
    latencies: list[float] = []
    statuses: list[int] = []
    start = time.perf_counter()
    total = int(rate * seconds)

    async def one(n: int, due: float) -> None:
        conn = await pool.get()
        try:
            statuses.append(await conn.request(make(n)))
            latencies.append(time.perf_counter() - due)
        finally:
            pool.put_nowait(conn)

    tasks = []
    for n in range(total):
        due = start + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(n, due)))
    await asyncio.gather(*tasks)
    while not pool.empty():
        pool.get_nowait().close()
    return latencies, statuses


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]
