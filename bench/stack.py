"""What the intake benchmarks share: the machine's floors, and a running intake stack (gunicorn web
workers, the outbox relay, the import worker) on scratch databases, with a quorum queue bound to
the intake events so that "confirmed" means stored by RabbitMQ."""

from __future__ import annotations

import dataclasses
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pika
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services.registry import gunicorn_worker_arguments  # noqa: E402
from shared import migrations  # noqa: E402
from shared.config import Settings  # noqa: E402
from shared.db import UnitOfWork, make_engine, make_session_factory  # noqa: E402
from shared.messaging import topology  # noqa: E402

FLOOR_DIR = Path(os.environ.get("TURVAVERKKO_FLOOR_DIR", ROOT.parent / "shared" / "bench"))


def _floor_output(script: str, n: int) -> str:
    return subprocess.run(
        [sys.executable, str(FLOOR_DIR / script), str(n)],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    ).stdout


def pipelined_confirms(n: int = 20000) -> float:
    """``floor_async.py``: persistent messages into a quorum queue, all in flight, msgs/s."""
    match = re.search(r"pipelined confirms: (\d+) msgs/s", _floor_output("floor_async.py", n))
    if match is None:
        raise RuntimeError("unexpected output from floor_async.py")
    return float(match.group(1))


def floors(n: int = 20000) -> dict[str, float]:
    """Both floor scripts, run now: publish/consume/COPY/insert rates on this machine."""
    figures = {k: float(v) for k, v in re.findall(r"(\w+)=(\d+)", _floor_output("floor.py", n))}
    figures["pipelined_confirms"] = pipelined_confirms(n)
    return figures


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclasses.dataclass
class Stack:
    settings: Settings
    base_url: str
    engine: sa.engine.Engine
    processes: dict[str, subprocess.Popen]

    def pid(self, name: str) -> int:
        return self.processes[name].pid


def _wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/health/ready", timeout=2) as r:  # noqa: S310
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the intake service did not become ready")


@contextmanager
def intake_stack(
    web_workers: int = 2, web_threads: int = 8, imports: bool = False, **overrides: object
) -> Iterator[Stack]:
    from tests.support.intake_data import seed_reference_data

    base = Settings.from_env()
    settings = dataclasses.replace(
        base,
        database_prefix=f"tvbench_{uuid.uuid4().hex[:6]}_",
        rate_limit="1000000 per minute",
        **overrides,
    )
    migrations.upgrade("intake", settings)
    engine = make_engine(settings.database_url("intake"), pool_size=2)
    sessions = make_session_factory(engine)
    seed_reference_data(lambda: UnitOfWork(sessions))
    queue = f"bench.intake.{uuid.uuid4().hex[:6]}"
    # A short-lived connection each time: an idle blocking connection would miss its heartbeats
    # during a long run and be closed by the broker.
    with _channel(settings) as channel:
        topology.declare_events_exchange(channel, settings)
        channel.queue_declare(queue, durable=True, arguments={"x-queue-type": "quorum"})
        for key in ("referral.received", "participation.recorded", "outcome.recorded"):
            channel.queue_bind(queue, settings.events_exchange, key)
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TURVAVERKKO_DATABASE_PREFIX": settings.database_prefix,
        "TURVAVERKKO_RATE_LIMIT": settings.rate_limit,
        "TURVAVERKKO_LOG_LEVEL": "WARNING",
    }
    for key, value in overrides.items():
        env[f"TURVAVERKKO_{key.upper()}"] = str(value)
    commands = {
        "web": [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            *gunicorn_worker_arguments(
                "intake",
                dataclasses.replace(settings, web_workers=web_workers, web_threads=web_threads),
            ),
            "--no-control-socket",
            "--log-level",
            "warning",
            "services.cli:web_app('intake')",
        ],
        "relay": [sys.executable, "-m", "services.cli", "worker", "intake", "relay"],
    }
    if imports:
        commands["imports"] = [sys.executable, "-m", "services.cli", "worker", "intake", "imports"]
    processes = {name: subprocess.Popen(cmd, cwd=ROOT, env=env) for name, cmd in commands.items()}
    try:
        _wait_ready(f"http://127.0.0.1:{port}")
        yield Stack(settings, f"http://127.0.0.1:{port}", engine, processes)
    finally:
        for process in processes.values():
            process.send_signal(signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        with _channel(settings) as channel:
            channel.queue_delete(queue)
        engine.dispose()
        migrations.drop_database("intake", settings)


@contextmanager
def _channel(settings: Settings) -> Iterator[pika.adapters.blocking_connection.BlockingChannel]:
    connection = pika.BlockingConnection(topology.connection_parameters(settings))
    try:
        yield connection.channel()
    finally:
        connection.close()


def unsent(engine: sa.engine.Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(
            sa.text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
        ).scalar_one()


def token(settings: Settings) -> str:
    from shared.auth import mint_dev_token

    return mint_dev_token(
        settings, "integration", pilots=["pilot-a", "pilot-b"], subject="bench", ttl_seconds=3600
    )


def consumer_lag(
    spec: Any,
    rate: int = 1000,
    seconds: float = 15,
    prepare: Callable[[Settings, sa.engine.Engine, Callable[[bytes], int]], None] | None = None,
) -> list[float]:
    """With the intake stack (gunicorn, relay) and one pilots consumer running, post participations
    to intake at ``rate`` events/s (lists of 10) for ``seconds``; for each event the time from its
    acceptance (``intake_event.received_at``) to its effect (``processed_event.processed_at`` of
    the consumer) — both stamped by the same PostgreSQL server at the start of the transaction
    that stored them. ``prepare`` runs first (given the settings, the pilots engine and a way to
    post to intake), e.g. to refer the young people so that their cases exist."""
    import asyncio
    import json
    import threading

    from loadgen import open_loop
    from loadgen import post as raw_post

    from shared.messaging.consumer import Consumer
    from tests.support.intake_data import participation

    with intake_stack() as stack:
        settings = stack.settings
        migrations.upgrade("pilots", settings)
        pilots = make_engine(settings.database_url("pilots"))
        host, port = "127.0.0.1", int(stack.base_url.rsplit(":", 1)[1])
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token(settings)}"}
        try:
            topology.declare(settings, [spec.queue])
            sessions = make_session_factory(pilots)
            consumer = Consumer(settings, spec, lambda: UnitOfWork(sessions))
            worker = threading.Thread(target=consumer.run, daemon=True)
            worker.start()
            consumer.ready.wait(30)

            def send(path: str, body: bytes) -> int:
                request = urllib.request.Request(  # noqa: S310
                    stack.base_url + path, data=body, headers=headers, method="POST"
                )
                with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
                    return int(answer.status)

            if prepare is not None:
                prepare(settings, pilots, lambda body: send("/v1/referrals", body))
            with stack.engine.connect() as connection:
                before = {
                    row[0] for row in connection.execute(sa.text("SELECT id FROM intake_event"))
                }

            def request(n: int) -> bytes:
                items = [participation(10 * n + i, source_id=f"LAG-{n}-{i}") for i in range(10)]
                return raw_post("/v1/participations", host, json.dumps(items).encode(), headers)

            _, statuses = asyncio.run(open_loop(host, port, request, rate / 10, seconds))
            assert set(statuses) == {200}, set(statuses)
            with stack.engine.connect() as connection:
                accepted = {
                    event_id: at
                    for event_id, at in connection.execute(
                        sa.text("SELECT id, received_at FROM intake_event")
                    )
                    if event_id not in before
                }
            deadline = time.monotonic() + 120
            while True:
                with pilots.connect() as connection:
                    done = dict(
                        connection.execute(
                            sa.text(
                                "SELECT event_id, processed_at FROM processed_event "
                                "WHERE consumer = :c"
                            ),
                            {"c": consumer.name},
                        ).all()
                    )
                if set(accepted) <= set(done) or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            consumer.stop()
            worker.join(60)
            with _channel(settings) as channel:
                channel.queue_delete(spec.queue.name)
                channel.queue_delete(spec.queue.dead_letter_queue)
        finally:
            pilots.dispose()
            migrations.drop_database("pilots", settings)
    missing = set(accepted) - set(done)
    if missing:
        raise SystemExit(f"{len(missing)} accepted events never reached the consumer's effect")
    return [(done[e] - accepted[e]).total_seconds() for e in accepted]
