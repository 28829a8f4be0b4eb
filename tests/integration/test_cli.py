"""The `turvaverkko` command: `run` starts everything and stops cleanly on Ctrl-C, refuses to
start without PostgreSQL or RabbitMQ (saying which, where and how to start it), `migrate` is
repeatable, and `token` mints a development token the services accept."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from shared.auth import TokenVerifier
from shared.config import Settings
from tests.conftest import ROOT, worker_environment
from tests.support.stack import SERVICE_NAMES, TURVAVERKKO, ready, start_stack

pytestmark = pytest.mark.integration


def _cli(env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [TURVAVERKKO, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_run_starts_every_service_and_worker_and_ctrl_c_stops_them_all(
    settings: Settings, tmp_path: Path
) -> None:
    stack = start_stack(settings, tmp_path)
    output = stack.stop()
    process, ports = stack.process, stack.ports
    assert process.returncode == 0, output
    for port in ports.values():
        assert f"http://127.0.0.1:{port}/" in output
    for name in SERVICE_NAMES:
        assert f"\n{name}.web" in output and f"\n{name}.relay" in output
    assert "\nweb " in output  # the one origin's process (services/gateway.py)
    assert "all processes stopped" in output
    assert not any(ready(p) for p in ports.values())


@pytest.mark.parametrize(
    ("variable", "value", "named", "how"),
    [
        (
            "TURVAVERKKO_POSTGRES_URL",
            "postgresql+psycopg://root@127.0.0.1:1",
            "PostgreSQL",
            "pg_ctlcluster",
        ),
        (
            "TURVAVERKKO_AMQP_URL",
            "amqp://guest:guest@127.0.0.1:1/%2F",
            "RabbitMQ",
            "rabbitmq-server -detached",
        ),
    ],
)
def test_run_without_a_backing_service_says_which_where_and_how_to_start_it(
    settings: Settings, variable: str, value: str, named: str, how: str
) -> None:
    done = _cli(worker_environment(settings) | {variable: value}, "run")
    assert done.returncode != 0
    assert f"{named} is not reachable at" in done.stderr and "127.0.0.1:1" in done.stderr
    assert how in done.stderr and "docker compose up -d postgres rabbitmq" in done.stderr


def test_migrate_is_repeatable(settings: Settings) -> None:
    done = _cli(worker_environment(settings), "migrate")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("is at the latest revision") == 3


def test_token_mints_a_development_token_the_services_accept(settings: Settings) -> None:
    done = _cli(
        worker_environment(settings),
        "token",
        "--role",
        "pilot_lead",
        "--pilot",
        "p-7",
        "--org",
        "org-1",
    )
    assert done.returncode == 0, done.stderr
    principal = TokenVerifier(settings).verify(done.stdout.strip())
    assert (principal.role, principal.pilots, principal.organisation) == (
        "pilot_lead",
        frozenset({"p-7"}),
        "org-1",
    )
