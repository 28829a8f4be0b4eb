"""``turvaverkko``: the one command behind the Makefile.

turvaverkko run                      migrate, then run every service and worker (Ctrl-C stops)
turvaverkko migrate [SERVICE ...]    create the databases if absent and migrate them
turvaverkko check                    say whether PostgreSQL and RabbitMQ answer
turvaverkko worker SERVICE relay     run a service's outbox relay
turvaverkko worker SERVICE consumer NAME
turvaverkko worker SERVICE KIND      another worker of the service: intake imports, pilots
                                     scheduler, notifications sender and dead-letters
turvaverkko token --role ROLE [--pilot ID ...] [--org ID]   mint a development JWT
turvaverkko demo                     load the synthetic demo data into a running stack (development)
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import signal
import sys
from pathlib import Path
from typing import Any

import pika
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import make_url

from services import demo
from services.registry import SERVICES, gunicorn_worker_arguments, web_gateway_arguments
from shared import migrations
from shared.auth import ROLES, mint_dev_token
from shared.config import ConfigError, Settings
from shared.db import UnitOfWork, create_engine, make_engine, make_session_factory
from shared.messaging import topology
from shared.messaging.consumer import Consumer
from shared.messaging.outbox import OutboxRelay
from shared.observability import configure_logging
from shared.supervisor import ProcessSpec, Supervisor

log = logging.getLogger("turvaverkko")


class Unreachable(RuntimeError):
    """A backing service does not answer; the message says which, where, and how to start it."""


def check_postgres(settings: Settings) -> None:
    url = make_url(f"{settings.postgres_url.rstrip('/')}/postgres")
    engine = create_engine(url, connect_args={"connect_timeout": 3}, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "no answer"
        raise Unreachable(
            f"PostgreSQL is not reachable at {settings.postgres_address} ({reason}).\n"
            "  Start it:  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n"
            "  or:        docker compose up -d postgres rabbitmq\n"
            "  or point TURVAVERKKO_POSTGRES_URL at a running server."
        ) from None
    finally:
        engine.dispose()


def check_rabbitmq(settings: Settings) -> None:
    try:
        connection = pika.BlockingConnection(
            topology.connection_parameters(settings, socket_timeout=3, stack_timeout=5)
        )
        connection.close()
    except (pika.exceptions.AMQPError, OSError) as exc:
        raise Unreachable(
            f"RabbitMQ is not reachable at {settings.amqp_address} ({exc.__class__.__name__}).\n"
            "  Start it:  rabbitmq-server -detached\n"
            "  or:        docker compose up -d postgres rabbitmq\n"
            "  or point TURVAVERKKO_AMQP_URL at a running broker."
        ) from None


def web_app(service: str) -> Flask:
    """The gunicorn entry point: JSON logs, then the service's ``create_app()``."""
    settings = Settings.from_env()
    configure_logging(f"{service}.web", settings.log_level)
    module = __import__(f"services.{service}.app", fromlist=["create_app"])
    app = module.create_app(settings)
    warm = getattr(module, "warm", None)  # what a service prepares as a worker starts
    if warm is not None:
        warm(app)
    return app


def _cmd_check(settings: Settings, _args: argparse.Namespace) -> int:
    check_postgres(settings)
    check_rabbitmq(settings)
    print(f"PostgreSQL answers at {settings.postgres_address}")
    print(f"RabbitMQ answers at {settings.amqp_address}")
    return 0


def _cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    unknown = set(args.services) - set(SERVICES)
    if unknown:
        raise SystemExit(f"unknown services: {', '.join(sorted(unknown))}")
    check_postgres(settings)
    for service in args.services or list(SERVICES):
        migrations.upgrade(service, settings)
        print(f"{service}: {settings.database_name(service)} is at the latest revision")
    return 0


def _cmd_token(settings: Settings, args: argparse.Namespace) -> int:
    print(
        mint_dev_token(
            settings,
            args.role,
            subject=args.subject,
            pilots=args.pilot,
            organisation=args.org,
            ttl_seconds=args.ttl,
        )
    )
    return 0


def _cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    definition = SERVICES[args.service]
    configure_logging(f"{args.service}.{args.name or args.kind}", settings.log_level)
    engine = make_engine(
        settings.database_url(args.service), application_name=f"{args.service}-{args.kind}"
    )
    worker: Any
    if args.kind == "relay":
        worker = OutboxRelay(settings, engine, args.service)
    elif args.kind in definition.workers:
        worker = definition.workers[args.kind](settings, engine)
    elif args.kind != "consumer":
        raise SystemExit(f"{args.service} has no worker {args.kind!r}")
    else:
        if not args.name:
            raise SystemExit("usage: turvaverkko worker SERVICE consumer NAME")
        sessions = make_session_factory(engine)
        worker = Consumer(settings, definition.consumer(args.name), lambda: UnitOfWork(sessions))
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: worker.stop())
    worker.run()
    engine.dispose()
    return 0


def _cmd_run(settings: Settings, _args: argparse.Namespace) -> int:
    check_postgres(settings)
    check_rabbitmq(settings)
    for service in SERVICES:
        migrations.upgrade(service, settings)
    topology.declare(settings, [c.queue for d in SERVICES.values() for c in d.consumers])
    run_dir = Path(os.environ.get("TURVAVERKKO_RUN_DIR", ".run")).resolve()
    specs: list[ProcessSpec] = []
    for name, definition in SERVICES.items():
        metrics_dir = run_dir / "metrics" / name
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        specs.append(
            ProcessSpec(
                f"{name}.web",
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--bind",
                    f"{settings.host}:{settings.port(name)}",
                    *gunicorn_worker_arguments(name, settings),
                    "--graceful-timeout",
                    "10",
                    "--no-control-socket",
                    "--error-logfile",
                    "-",
                    f"services.cli:web_app('{name}')",
                ],
                env={"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)},
            )
        )
        if definition.publishes:
            specs.append(
                ProcessSpec(
                    f"{name}.relay", [sys.executable, "-m", "services.cli", "worker", name, "relay"]
                )
            )
        for worker in definition.workers:
            specs.append(
                ProcessSpec(
                    f"{name}.{worker}",
                    [
                        sys.executable,
                        "-m",
                        "services.cli",
                        "worker",
                        name,
                        worker,
                    ],
                )
            )
        for consumer in definition.consumers:
            specs.append(
                ProcessSpec(
                    f"{name}.{consumer.name}",
                    [
                        sys.executable,
                        "-m",
                        "services.cli",
                        "worker",
                        name,
                        "consumer",
                        consumer.name,
                    ],
                )
            )
    # The one origin: the web UI and the three APIs under /api/<service>/ (services/gateway.py).
    specs.append(
        ProcessSpec("web", [sys.executable, "-m", "gunicorn", *web_gateway_arguments(settings)])
    )
    supervisor = Supervisor(specs)
    supervisor.say(
        "turvaverkko",
        f"{'web':<14} http://{settings.host}:{settings.web_port}/"
        "  (the UI; the APIs under /api/intake/, /api/pilots/, /api/notifications/)",
    )
    for name in SERVICES:
        supervisor.say(
            "turvaverkko",
            f"{name:<14} http://{settings.host}:{settings.port(name)}/"
            f"  (API docs: /docs, OpenAPI: /openapi.json)",
        )
    supervisor.say("turvaverkko", "Ctrl-C stops everything")
    if hint := demo.offer(settings):
        supervisor.say("turvaverkko", hint)
    return supervisor.run()


def _cmd_ui_routes(settings: Settings, args: argparse.Namespace) -> int:
    """The web UI's route table as JSON (``web/`` generates its router's paths from it)."""
    from shared.ui_routes import ROUTES

    print(json.dumps([route.as_dict() for route in ROUTES.values()], indent=2))
    return 0


def _cmd_demo(settings: Settings, _args: argparse.Namespace) -> int:
    return demo.load(settings)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="turvaverkko",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run every service and worker in the foreground")
    sub.add_parser("check", help="check that PostgreSQL and RabbitMQ answer")
    migrate = sub.add_parser("migrate", help="create and migrate the service databases")
    migrate.add_argument("services", nargs="*", metavar="SERVICE", help=", ".join(SERVICES))
    worker = sub.add_parser("worker", help="run one background worker")
    worker.add_argument("service", choices=list(SERVICES))
    worker.add_argument("kind", help="relay, consumer, or a service's own worker (intake: imports)")
    worker.add_argument("name", nargs="?")
    sub.add_parser("ui-routes", help="print the web UI's route table as JSON")
    sub.add_parser("demo", help="load the synthetic demo data into a running stack (development)")
    token = sub.add_parser("token", help="mint a development JWT")
    token.add_argument("--role", required=True, choices=ROLES)
    token.add_argument("--pilot", action="append", default=[], help="a pilot id (repeatable)")
    token.add_argument("--org", help="the organisation id")
    token.add_argument("--subject", help="the user id (default dev-ROLE)")
    token.add_argument("--ttl", type=int, help="lifetime in seconds")
    return parser


_COMMANDS = {
    "run": _cmd_run,
    "check": _cmd_check,
    "migrate": _cmd_migrate,
    "token": _cmd_token,
    "worker": _cmd_worker,
    "ui-routes": _cmd_ui_routes,
    "demo": _cmd_demo,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        return _COMMANDS[args.command](settings, args)
    except (Unreachable, ConfigError) as exc:
        print(f"turvaverkko: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
