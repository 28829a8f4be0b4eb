"""Every kind of bad HTTP input gets RFC 9457 problem+json with the right status, and every
endpoint but health, docs and metrics needs a valid bearer token."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import jwt
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate
from sqlalchemy.engine import Engine

from services.intake.app import create_app as create_intake
from services.notifications.app import create_app as create_notifications
from services.pilots.app import create_app as create_pilots
from shared.auth import require_roles
from shared.config import Settings
from shared.service import create_service_app
from tests.support.api import assert_problem, bearer

pytestmark = pytest.mark.integration


class ItemSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    count = fields.Integer(required=True, validate=validate.Range(min=0))
    region = fields.String(validate=validate.OneOf(["01", "02"]))


class ItemOut(Schema):
    id = fields.Integer()
    name = fields.String()
    count = fields.Integer()


_ITEMS: dict[int, dict[str, Any]] = {}


def _example_blueprint() -> Blueprint:
    """A resource that uses the shared pieces the way the services' resources do."""
    blp = Blueprint("items", __name__, url_prefix="/v1/items")

    @blp.route("")
    class Items(MethodView):
        @blp.arguments(ItemSchema)
        @blp.response(201, ItemOut)
        def post(self, item: dict[str, Any]) -> dict[str, Any]:
            if any(i["name"] == item["name"] for i in _ITEMS.values()):
                abort(409, message="An item with this name exists.")
            new = {"id": len(_ITEMS) + 1, **item}
            _ITEMS[new["id"]] = new
            return new

    @blp.route("/<int:item_id>")
    class Item(MethodView):
        @blp.etag
        @blp.response(200, ItemOut)
        def get(self, item_id: int) -> dict[str, Any]:
            return _ITEMS.get(item_id) or abort(404, message="No such item.")

        @blp.etag
        @blp.arguments(ItemSchema)
        @blp.response(200, ItemOut)
        def put(self, changes: dict[str, Any], item_id: int) -> dict[str, Any]:
            item = _ITEMS.get(item_id) or abort(404, message="No such item.")
            blp.check_etag(item, ItemOut)
            item.update(changes)
            return item

    @blp.route("/boom")
    class Boom(MethodView):
        def get(self) -> None:
            raise RuntimeError("password=hunter2 at db.internal:5432")

    @blp.route("/admin")
    class AdminOnly(MethodView):
        @require_roles("admin")
        def get(self) -> dict[str, str]:
            return {"ok": "admin"}

    return blp


@pytest.fixture
def built() -> Iterator[Callable[[Flask], Flask]]:
    """Keeps every app a test builds and closes its database pool afterwards."""
    apps: list[Flask] = []
    yield lambda app: apps.append(app) or app
    for app in apps:
        app.extensions["turvaverkko"].engine.dispose()


@pytest.fixture
def app(settings: Settings, built: Callable[[Flask], Flask]) -> Flask:
    _ITEMS.clear()
    return built(
        create_service_app(
            "intake",
            title="test",
            description="test",
            blueprints=[_example_blueprint()],
            settings=dataclasses.replace(
                settings, max_body_bytes=2048, rate_limit="1000 per minute"
            ),
        )
    )


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def test_malformed_json_is_400(client: FlaskClient, settings: Settings) -> None:
    r = client.post(
        "/v1/items", data='{"name": "a",', content_type="application/json", headers=bearer(settings)
    )
    assert "not valid JSON" in assert_problem(r, 400)["detail"]


def test_missing_token_is_401_with_bearer_challenge(client: FlaskClient) -> None:
    r = client.get("/v1/items/1")
    assert_problem(r, 401)
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "how", ["garbage", "expired", "wrong-audience", "wrong-key", "alg-none", "unknown-role"]
)
def test_invalid_token_is_401(client: FlaskClient, settings: Settings, how: str) -> None:
    now = int(time.time())
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": "u1",
        "exp": now + 60,
        "role": "admin",
    }
    key = settings.dev_jwt_secret
    if how == "expired":
        claims["exp"] = now - 3600
    elif how == "wrong-audience":
        claims["aud"] = "someone-else"
    elif how == "unknown-role":
        claims["role"] = "superuser"
    elif how == "wrong-key":
        key = "another-key-that-is-long-enough-for-hs256"
    token = {
        "garbage": "not.a.token",
        "alg-none": jwt.encode(claims, None, algorithm="none"),
    }.get(how) or jwt.encode(claims, key, algorithm="HS256")
    r = client.get("/v1/items/1", headers={"Authorization": f"Bearer {token}"})
    body = assert_problem(r, 401)
    assert "invalid_token" in r.headers["WWW-Authenticate"]
    assert token not in json.dumps(body)


def test_an_expired_token_is_accepted_only_within_the_configured_leeway(
    settings: Settings, built: Callable[[Flask], Flask]
) -> None:
    """Clock skew between the identity provider and a service is allowed for, that far and no
    further: a token expired 5 s ago passes with a 20 s leeway; one expired 40 s ago is 401."""
    app = built(
        create_service_app(
            "intake",
            title="test",
            description="test",
            blueprints=[_example_blueprint()],
            settings=dataclasses.replace(settings, jwt_leeway_seconds=20),
        )
    )
    client = app.test_client()
    now = int(time.time())

    def expired(seconds_ago: int) -> dict[str, str]:
        claims = {
            "iss": settings.jwt_issuer,
            "aud": settings.jwt_audience,
            "sub": f"u-{seconds_ago}",
            "exp": now - seconds_ago,
            "role": "admin",
        }
        token = jwt.encode(claims, settings.dev_jwt_secret, algorithm="HS256")
        return {"Authorization": f"Bearer {token}"}

    assert client.get("/v1/items/admin", headers=expired(5)).status_code == 200
    r = client.get("/v1/items/admin", headers=expired(40))
    assert "expired" in assert_problem(r, 401)["detail"]


def test_wrong_role_is_403(client: FlaskClient, settings: Settings) -> None:
    assert_problem(client.get("/v1/items/admin", headers=bearer(settings, "coordinator")), 403)
    assert client.get("/v1/items/admin", headers=bearer(settings, "admin")).status_code == 200


def test_unknown_path_is_404_and_missing_resource_is_404(
    client: FlaskClient, settings: Settings
) -> None:
    assert_problem(client.get("/v1/nothing-here"), 404)
    assert (
        assert_problem(client.get("/v1/items/99", headers=bearer(settings)), 404)["detail"]
        == "No such item."
    )


def test_wrong_method_is_405_with_allow_header(client: FlaskClient, settings: Settings) -> None:
    r = client.delete("/v1/items", headers=bearer(settings))
    assert_problem(r, 405)
    assert "POST" in r.headers["Allow"]


def test_conflict_is_409(client: FlaskClient, settings: Settings) -> None:
    item = {"name": "a", "count": 1}
    assert client.post("/v1/items", json=item, headers=bearer(settings)).status_code == 201
    assert_problem(client.post("/v1/items", json=item, headers=bearer(settings)), 409)


def test_stale_if_match_is_412_and_missing_if_match_is_428(
    client: FlaskClient, settings: Settings
) -> None:
    client.post("/v1/items", json={"name": "a", "count": 1}, headers=bearer(settings))
    etag = client.get("/v1/items/1", headers=bearer(settings)).headers["ETag"]
    first = client.put(
        "/v1/items/1",
        json={"name": "b", "count": 2},
        headers={**bearer(settings), "If-Match": etag},
    )
    assert first.status_code == 200
    stale = client.put(
        "/v1/items/1",
        json={"name": "c", "count": 3},
        headers={**bearer(settings), "If-Match": etag},
    )
    assert_problem(stale, 412)
    missing = client.put("/v1/items/1", json={"name": "c", "count": 3}, headers=bearer(settings))
    assert_problem(missing, 428)


def test_body_over_the_limit_is_413(client: FlaskClient, settings: Settings) -> None:
    r = client.post("/v1/items", json={"name": "x" * 5000, "count": 1}, headers=bearer(settings))
    assert_problem(r, 413)


def test_wrong_content_type_is_415_naming_the_accepted_type(
    client: FlaskClient, settings: Settings
) -> None:
    r = client.post("/v1/items", data="name=a", content_type="text/plain", headers=bearer(settings))
    assert "application/json" in assert_problem(r, 415)["detail"]


def test_invalid_fields_are_422_naming_every_bad_field_without_echoing_values(
    client: FlaskClient, settings: Settings
) -> None:
    secret = "010203A123N"  # a value that must never be reflected back
    r = client.post(
        "/v1/items", json={"count": -1, "region": secret, "extra": secret}, headers=bearer(settings)
    )
    body = assert_problem(r, 422)
    pointers = {e["pointer"] for e in body["errors"]}
    assert pointers == {"#/name", "#/count", "#/region", "#"}  # "extra": not repeated
    assert secret not in r.get_data(as_text=True)


def test_too_many_requests_is_429_with_retry_after(
    settings: Settings, built: Callable[[Flask], Flask]
) -> None:
    app = built(
        create_service_app(
            "intake",
            title="t",
            description="t",
            blueprints=[_example_blueprint()],
            settings=dataclasses.replace(settings, rate_limit="3 per minute"),
        )
    )
    client = app.test_client()
    headers = bearer(settings, subject="eager-user")
    statuses = [client.get("/v1/items/1", headers=headers).status_code for _ in range(4)]
    assert statuses[:3] == [404, 404, 404]
    r = client.get("/v1/items/1", headers=headers)
    assert_problem(r, 429)
    assert int(r.headers["Retry-After"]) > 0
    assert (r.headers["X-RateLimit-Limit"], r.headers["X-RateLimit-Remaining"]) == ("3", "0")
    # another caller has a count of its own
    other = client.get("/v1/items/1", headers=bearer(settings, subject="patient-user"))
    assert other.status_code == 404 and other.headers["X-RateLimit-Remaining"] == "2"
    # health stays answerable for the load balancer
    assert client.get("/health/live").status_code == 200


def test_unexpected_error_is_500_without_internals(
    client: FlaskClient, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    r = client.get("/v1/items/boom", headers=bearer(settings))
    body = assert_problem(r, 500)
    assert "hunter2" not in r.get_data(as_text=True) and "RuntimeError" not in json.dumps(body)
    assert any(rec.exc_info for rec in caplog.records), "the traceback goes to the log"


def test_request_id_is_taken_from_the_request_or_added(client: FlaskClient) -> None:
    given = "req-1234567890"
    assert (
        client.get("/health/live", headers={"X-Request-Id": given}).headers["X-Request-Id"] == given
    )
    generated = client.get("/health/live", headers={"X-Request-Id": "bad id <script>"}).headers[
        "X-Request-Id"
    ]
    assert generated != "bad id <script>" and len(generated) == 32


@pytest.mark.parametrize("factory", [create_intake, create_pilots, create_notifications])
def test_each_service_serves_health_docs_and_metrics_openly_and_guards_the_rest(
    settings: Settings, factory: Any, built: Callable[[Flask], Flask]
) -> None:
    client = built(factory(settings)).test_client()
    assert client.get("/health/live").status_code == 200
    ready = client.get("/health/ready")
    assert ready.status_code == 200 and ready.get_json()["checks"] == {"database": "ok"}
    assert client.get("/health/details").get_json()["checks"] == {
        "database": "ok",
        "broker": "ok",
    }
    spec = client.get("/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    docs = client.get("/docs/")
    assert docs.status_code == 200 and "/openapi.json" in docs.get_data(as_text=True)
    with client.get("/docs/swagger-ui-bundle.js") as asset:
        assert asset.status_code == 200, "the Swagger UI assets are served locally"
    metrics = client.get("/metrics").get_data(as_text=True)
    assert "http_requests_total" in metrics and "outbox_pending_events" in metrics
    assert_problem(client.post("/health/live"), 405)


def test_a_broker_outage_leaves_the_service_ready_and_shows_in_the_details_and_metrics(
    settings: Settings, built: Callable[[Flask], Flask]
) -> None:
    """Intake keeps accepting into its outbox while the broker is away: a load balancer must not
    take it out of service for that."""
    broken = dataclasses.replace(settings, amqp_url="amqp://guest:guest@127.0.0.1:1/%2F")
    client = built(create_intake(broken)).test_client()
    ready = client.get("/health/ready")
    assert ready.status_code == 200 and ready.get_json()["checks"] == {"database": "ok"}
    details = client.get("/health/details")
    assert details.status_code == 200
    assert details.get_json()["checks"] == {"database": "ok", "broker": "unreachable"}
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'broker_reachable{service="intake"} 0.0' in metrics


def test_metrics_show_what_the_relays_and_consumers_counted(
    settings: Settings, built: Callable[[Flask], Flask], engines: dict[str, Engine]
) -> None:
    from shared.messaging.schema import compact_counts, count

    with engines["intake"].begin() as connection:
        connection.execute(sa.text("DELETE FROM worker_counter WHERE worker = 'probe.worker'"))
        count(connection.connection.driver_connection, "probe.worker", {"duplicates": 3})
        connection.execute(  # as the relays compact them, once a minute
            sa.text("UPDATE worker_counter SET counted_at = now() - interval '2 minutes'")
        )
        compact_counts(connection.connection.driver_connection)
        count(connection.connection.driver_connection, "probe.worker", {"duplicates": 2})
        rows = connection.execute(
            sa.text("SELECT count(*) FROM worker_counter WHERE worker = 'probe.worker'")
        ).scalar()
        assert rows == 2, "older counts summed into one row"
    metrics = built(create_intake(settings)).test_client().get("/metrics").get_data(as_text=True)
    assert (
        'worker_events_total{counter="duplicates",service="intake",worker="probe.worker"} 5.0'
        in metrics
    )
