"""What every service's ``create_app()`` is built from: one factory, so that the three services
answer errors, authenticate, log, rate-limit, report health and expose metrics the same way."""

from __future__ import annotations

import math
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

import flask_smorest
import pika
import sqlalchemy as sa
from flask import Blueprint, Flask, Response, current_app, g, request
from flask_smorest import Api
from flask_swagger_ui import get_swaggerui_blueprint
from limits import RateLimitItem, parse, storage, strategies
from marshmallow import Schema, fields
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import TooManyRequests

from shared import auth, http, requests
from shared.config import Settings
from shared.db import UnitOfWork, make_engine, make_session_factory
from shared.messaging import topology
from shared.messaging.outbox import pending_count
from shared.messaging.schema import counts

#: Blueprints reachable without a token: health, metrics and the API documentation.
PUBLIC_BLUEPRINTS = frozenset({"platform", "api-docs", "docs"})


@dataclass
class ServiceContext:
    """The per-process dependencies of one service, kept on ``app.extensions['turvaverkko']``."""

    name: str
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    verifier: auth.TokenVerifier

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.sessions)


class _StrictParser(FlaskParser):
    """Query parameters follow the schema's own ``unknown`` (our schemas raise): a misspelt filter
    is a 422 naming it, not silently ignored. JSON bodies are read by ``requests.parse_json``
    (400 when nested too deeply)."""

    DEFAULT_UNKNOWN_BY_LOCATION = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": None,
        "querystring": None,
    }

    def _raw_load_json(self, req: Any) -> Any:
        if not is_json_request(req):
            return core.missing
        return requests.parse_json(req.get_data(cache=True))


class _FieldErrorSchema(Schema):
    pointer = fields.String(metadata={"description": "The field, as a JSON pointer (`#/a/0/b`)."})
    parameter = fields.String(metadata={"description": "The path or query parameter."})
    header = fields.String(metadata={"description": "The request header."})
    detail = fields.String()


class ProblemSchema(Schema):
    """RFC 9457 problem details, as ``shared.http.problem`` writes them (documentation only)."""

    type = fields.String(metadata={"description": "A URI naming the kind of problem."})
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    instance = fields.String(metadata={"description": "The request's path."})
    request_id = fields.String(allow_none=True)
    errors = fields.List(
        fields.Nested(_FieldErrorSchema), metadata={"description": "Every field at fault."}
    )


class ApiBlueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint, refusing unknown query parameters (schemas with ``RAISE``), its
    documented error answers problem+json."""

    ARGUMENTS_PARSER = _StrictParser()

    def alt_response(self, status_code: Any, response: Any = None, **kwargs: Any) -> Any:
        if response is None and int(status_code) >= 400:
            kwargs.setdefault("schema", ProblemSchema)
            kwargs.setdefault("content_type", http.PROBLEM_JSON)
        return super().alt_response(status_code, response, **kwargs)


def service_context() -> ServiceContext:
    return current_app.extensions["turvaverkko"]


class ServiceApi(Api):
    """flask-smorest's Api, answering every HTTP error as problem+json — and documenting them so."""

    ERROR_SCHEMA = ProblemSchema
    DEFAULT_RESPONSE_CONTENT_TYPE: str  # flask-smorest's (an annotation only: its value stays)

    def _register_responses(self) -> None:
        # flask-smorest's, with the error answers' media type: the successful ones stay JSON.
        default: str = self.DEFAULT_RESPONSE_CONTENT_TYPE
        self.DEFAULT_RESPONSE_CONTENT_TYPE = http.PROBLEM_JSON
        try:
            super()._register_responses()
        finally:
            self.DEFAULT_RESPONSE_CONTENT_TYPE = default

    def handle_http_exception(self, error: Any) -> Response:
        return http.handle_http_exception(error)


#: A service's own scrape-time figures, read from its database when ``/metrics`` is asked.
Gauges = Callable[[Engine], Iterable[GaugeMetricFamily]]


class _Metrics:
    def __init__(self, service: str, context: ServiceContext, gauges: Gauges | None = None) -> None:
        self.service = service
        self.context = context
        self.gauges = gauges
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests answered",
            ["service", "method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time to answer an HTTP request",
            ["service", "method", "route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self._scrape_time = CollectorRegistry(auto_describe=False)
        self._scrape_time.register(self)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(self.service, method, route, str(status)).inc()
        self.latency.labels(self.service, method, route).observe(seconds)

    def collect(self) -> Iterable[GaugeMetricFamily | CounterMetricFamily]:
        """Scrape-time figures read from the database: the outbox backlog, and the service's
        own (``gauges``)."""
        gauge = GaugeMetricFamily(
            "outbox_pending_events", "Events not yet confirmed by the broker", labels=["service"]
        )
        broker = GaugeMetricFamily(
            "broker_reachable", "1 if the broker answered this scrape, 0 if not", labels=["service"]
        )
        broker.add_metric([self.service], float(_broker_ok(self.context.settings) == "ok"))
        counted = CounterMetricFamily(
            "worker_events",
            "What the service's relay and consumers counted: events_published and "
            "messages_published (every publish, re-sends included), events_confirmed and "
            "events_refused by the broker; duplicates received by a consumer (already applied)",
            labels=["service", "worker", "counter"],
        )
        try:
            gauge.add_metric([self.service], pending_count(self.context.engine))
            with self.context.engine.connect() as connection:
                for worker, counter, value in counts(connection):
                    counted.add_metric([self.service, worker, counter], value)
            own = list(self.gauges(self.context.engine)) if self.gauges else []
        except sa.exc.SQLAlchemyError:
            return [broker]
        return [broker, gauge, counted, *own]

    def exposition(self) -> bytes:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        else:
            registry = self.registry
        return generate_latest(registry) + generate_latest(self._scrape_time)


def _platform_blueprint(context: ServiceContext, metrics: _Metrics) -> Blueprint:
    bp = Blueprint("platform", __name__)

    @bp.get("/health/live")
    def live() -> Any:
        return {"status": "live", "service": context.name}

    @bp.get("/health/ready")
    def ready() -> Any:
        """Whether this process can serve: it needs its database. The broker is not needed —
        every event waits in the outbox until the relay can publish it — so a broker outage
        never takes a web process out of a load balancer (it shows in ``/health/details`` and
        in ``/metrics``)."""
        checks = {"database": _database_ok(context.engine)}
        if checks["database"] == "ok":
            return {"status": "ready", "service": context.name, "checks": checks}
        return http.problem(
            503, "Not ready: database unreachable.", checks=checks, headers={"Retry-After": "5"}
        )

    @bp.get("/health/details")
    def details() -> Any:
        """Every backing service this service works with, for operators: always 200."""
        checks = {"database": _database_ok(context.engine), "broker": _broker_ok(context.settings)}
        ready = checks["database"] == "ok"
        return {
            "status": "ready" if ready else "not ready",
            "service": context.name,
            "checks": checks,
        }

    @bp.get("/metrics")
    def metrics_view() -> Response:
        return Response(metrics.exposition(), mimetype=CONTENT_TYPE_LATEST)

    return bp


def _database_ok(engine: Engine) -> str:
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        return "ok"
    except sa.exc.SQLAlchemyError:
        return "unreachable"


def _broker_ok(settings: Settings) -> str:
    try:
        connection = pika.BlockingConnection(
            topology.connection_parameters(settings, socket_timeout=2, stack_timeout=3)
        )
        connection.close()
        return "ok"
    except (pika.exceptions.AMQPError, OSError):
        return "unreachable"


class ProcessMemoryStorage(storage.MemoryStorage):
    """``limits``' in-process storage with one long-lived expiry thread.

    The library's own starts a new ``threading.Timer`` 10 ms after every counted request once the
    previous timer has run — about a hundred thread starts a second in a busy web process, a
    tenth of its CPU. Expired counters are dropped by every read anyway; this only frees their
    memory, once a second, from one daemon thread that ends with the storage.
    """

    EXPIRY_SECONDS = 1.0

    def __init__(self, uri: str | None = None, **options: Any) -> None:
        super().__init__(uri, **options)
        self.timer.cancel()  # the library's first timer; from here on, the thread below
        threading.Thread(target=_expire_while_alive, args=(weakref.ref(self),), daemon=True).start()

    def _MemoryStorage__schedule_expiry(self) -> None:  # the library calls it before a count
        """Called by the library before every count: nothing to schedule here."""

    def expire(self) -> None:
        self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


def _expire_while_alive(ref: weakref.ref[ProcessMemoryStorage]) -> None:
    while (found := ref()) is not None:
        found.expire()
        del found
        time.sleep(ProcessMemoryStorage.EXPIRY_SECONDS)


def rate_limit_storage(uri: str) -> storage.Storage:
    """The configured storage: ``memory://`` in this process (without a timer per request),
    anything else (``redis://…``) as the ``limits`` library makes it."""
    if uri.rstrip("/") == "memory:":
        return ProcessMemoryStorage(uri)
    return cast(storage.Storage, storage.storage_from_string(uri))


class RateLimit:
    """One fixed-window limit per caller — the token's subject, or the address for calls without
    one — over every endpoint but health, docs and metrics; 429 with ``Retry-After`` beyond it.
    Counting is the ``limits`` library's, in the configured storage (``memory://`` counts per
    process; ``redis://`` shares the count between processes)."""

    def __init__(self, settings: Settings, prefix: str, exempt: frozenset[str]) -> None:
        self.item: RateLimitItem = parse(settings.rate_limit)
        self.strategy = strategies.FixedWindowRateLimiter(
            rate_limit_storage(settings.rate_limit_storage_uri)
        )
        self.prefix = prefix
        self.exempt = exempt

    def install(self, app: Flask) -> None:
        app.before_request(self.check)
        app.after_request(self.add_headers)

    def check(self) -> None:
        if request.routing_exception is not None or request.blueprint in self.exempt:
            return
        principal = g.get("principal")
        key = f"sub:{principal.subject}" if principal else f"ip:{request.remote_addr}"
        allowed = self.strategy.hit(self.item, self.prefix, key)
        stats = self.strategy.get_window_stats(self.item, self.prefix, key)
        g.rate_limit = stats
        if not allowed:
            retry_after = max(1, math.ceil(stats.reset_time - time.time()))
            raise TooManyRequests(
                f"More than {self.item} requests; retry in {retry_after} s.",
                retry_after=retry_after,
            )

    def add_headers(self, response: Response) -> Response:
        stats = g.get("rate_limit")
        if stats is not None:
            response.headers["X-RateLimit-Limit"] = str(self.item.amount)
            response.headers["X-RateLimit-Remaining"] = str(stats.remaining)
            response.headers["X-RateLimit-Reset"] = str(math.ceil(stats.reset_time))
        return response


def create_service_app(
    name: str,
    *,
    title: str,
    description: str,
    blueprints: Iterable[ApiBlueprint] = (),
    settings: Settings | None = None,
    engine: Engine | None = None,
    configure: Callable[[Flask, Api], None] | None = None,
    gauges: Gauges | None = None,
) -> Flask:
    """Build a service's Flask app: settings from the environment unless given."""
    settings = settings or Settings.from_env()
    app = Flask(f"services.{name}")
    app.config.update(
        API_TITLE=title,
        API_VERSION="v1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {"description": description},
            "components": {
                "securitySchemes": {
                    "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                }
            },
            "security": [{"bearer": []}],
        },
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        RATELIMIT_HEADERS_ENABLED=True,
    )
    engine = engine or make_engine(settings.database_url(name), application_name=f"{name}-web")
    context = ServiceContext(
        name, settings, engine, make_session_factory(engine), auth.TokenVerifier(settings)
    )
    app.extensions["turvaverkko"] = context
    metrics = _Metrics(name, context, gauges)

    api = ServiceApi(app)
    http.install(app, on_request_done=metrics.observe)
    auth.install(app, context.verifier, PUBLIC_BLUEPRINTS)
    app.before_request(lambda: http.check_content_type(app))
    app.before_request(requests.check_path_and_query)
    app.after_request(http.relative_location)
    RateLimit(settings, name, PUBLIC_BLUEPRINTS).install(app)

    platform = _platform_blueprint(context, metrics)
    # Browsable docs served from the package itself: no CDN is reachable from a closed network.
    docs = get_swaggerui_blueprint(
        "/docs", "/openapi.json", config={"app_name": title}, blueprint_name="docs"
    )
    for public in (platform, docs):
        app.register_blueprint(public)
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    if configure is not None:
        configure(app, api)
    return app
