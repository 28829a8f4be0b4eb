"""Bad input is refused with 4xx problem+json naming what is wrong, never a 500: control characters
in every path and query parameter and every string field of every JSON body (walked from the
services' own OpenAPI documents), bodies nested too deeply, uploads without a body, values with a
trailing newline, numbers a column cannot give back; and the documents say what errors are."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from services.intake.app import create_app as create_intake
from services.notifications.app import create_app as create_notifications
from services.pilots.app import create_app as create_pilots
from shared.config import Settings
from shared.http import PROBLEM_JSON
from tests.support.api import assert_problem, bearer
from tests.support.intake_data import referral

pytestmark = pytest.mark.integration

FACTORIES: dict[str, Callable[[Settings], Flask]] = {
    "intake": create_intake,
    "pilots": create_pilots,
    "notifications": create_notifications,
}


@pytest.fixture(params=sorted(FACTORIES))
def service(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Flask]:
    app = FACTORIES[request.param](settings)
    yield app
    app.extensions["turvaverkko"].engine.dispose()


def _operations(app: Flask) -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    doc = app.test_client().get("/openapi.json").get_json()
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                shared = item.get("parameters", [])  # flask-smorest puts path parameters here
                merged = operation | {"parameters": shared + operation.get("parameters", [])}
                yield path, method, merged, doc


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _poisoned(doc: dict[str, Any], schema: dict[str, Any], pointer: str, out: list[str]) -> Any:
    """A value for ``schema`` whose every string has a NUL; ``out`` gets each string's pointer."""
    schema = _resolve(doc, schema)
    if "oneOf" in schema:
        schema = _resolve(doc, schema["oneOf"][0])
    kinds = schema.get("type", "object")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "object" in kinds and "properties" in schema:
        return {
            name: _poisoned(doc, sub, f"{pointer}/{name}", out)
            for name, sub in schema["properties"].items()
            if not sub.get("readOnly")
        }
    if "array" in kinds:
        return [_poisoned(doc, schema.get("items", {"type": "string"}), f"{pointer}/0", out)]
    if "string" in kinds:
        out.append(pointer)
        return "x\u0000y"
    return None


def test_a_control_character_in_any_path_or_query_parameter_is_422_naming_it(
    service: Flask, settings: Settings
) -> None:
    client = service.test_client()
    headers = bearer(settings, "admin")
    checked = 0
    for path, method, operation, _ in _operations(service):
        params = [p for p in operation.get("parameters", []) if p["in"] in ("path", "query")]
        for bad in params:
            for char in ("%00", "%1F", "%0A"):
                url, query = path, []
                for p in params:
                    value = f"a{char}" if p is bad else "x"
                    if p["in"] == "path":
                        url = url.replace("{" + p["name"] + "}", value)
                    elif p is bad:
                        query.append(f"{p['name']}={value}")
                upload = path.endswith("/imports")
                r = client.open(
                    url + ("?" + "&".join(query) if query else ""),
                    method=method,
                    headers=headers,
                    content_type="text/csv" if upload else None,
                )
                if bad["in"] == "path" and bad["schema"].get("type") == "integer":  # no such route
                    assert_problem(r, 404)
                    continue
                body = assert_problem(r, 422)
                assert {"parameter": bad["name"], "detail": body["errors"][0]["detail"]} in body[
                    "errors"
                ], (method, url)
                checked += 1
    assert checked >= 9


def test_a_nul_in_any_string_field_of_any_json_body_is_422_naming_the_field(
    service: Flask, settings: Settings
) -> None:
    client = service.test_client()
    headers = bearer(settings, "admin")
    checked = 0
    for path, method, operation, doc in _operations(service):
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" not in content:
            continue
        pointers: list[str] = []
        body = _poisoned(doc, content["application/json"]["schema"], "#", pointers)
        url = path.replace("{", "").replace("}", "")  # every path parameter some plain word
        r = client.open(url, method=method, json=body, headers=headers | {"If-Match": '"1"'})
        problem = assert_problem(r, 422)
        named = {e.get("pointer") for e in problem["errors"]}
        assert set(pointers) <= named, (method, path, set(pointers) - named)
        assert "\u0000" not in r.get_data(as_text=True)
        checked += len(pointers)
    assert checked > 10


def test_an_item_with_a_nul_in_a_list_is_that_items_rejection_naming_the_field(
    intake_client: Any, settings: Settings
) -> None:
    items = [referral(1), referral(2, source_id="R-2\u0000"), referral(3, gender="fe\u0000male")]
    r = intake_client.post("/v1/referrals", json=items, headers=bearer(settings, "admin"))
    assert r.status_code == 200, r.get_json()
    results = r.get_json()["results"]
    assert [x["status"] for x in results] == ["accepted", "rejected", "rejected"]
    assert {e["pointer"] for e in results[1]["errors"]} == {"#/source_id"}
    assert "#/gender" in {e["pointer"] for e in results[2]["errors"]}


def test_a_lone_surrogate_in_free_text_is_422_naming_the_field(
    pilots_client: Any, settings: Settings
) -> None:
    body = '{"id": "org-x", "name": "a\\ud800b", "type": "ngo"}'
    r = pilots_client.post(
        "/v1/organisations",
        data=body,
        content_type="application/json",
        headers=bearer(settings, "admin"),
    )
    assert [e["pointer"] for e in assert_problem(r, 422)["errors"]] == ["#/name"]


@pytest.mark.parametrize("depth", [40, 1000, 100_000])
def test_json_nested_too_deeply_is_400(service: Flask, settings: Settings, depth: int) -> None:
    path = {
        "intake": "/v1/referrals",
        "pilots": "/v1/organisations",
        "notifications": "/v1/webhooks",
    }
    name = service.name.rsplit(".", 1)[1]
    r = service.test_client().post(
        path[name],
        data="[" * depth + "]" * depth,
        content_type="application/json",
        headers=bearer(settings, "admin"),
    )
    assert "nested too deeply" in assert_problem(r, 400)["detail"]


@pytest.mark.parametrize("content_type", [None, "application/octet-stream"])
def test_an_upload_without_a_body_or_of_an_undeclared_type_is_415(
    intake_client: Any, settings: Settings, content_type: str | None
) -> None:
    r = intake_client.post(
        "/v1/imports?kind=referral", content_type=content_type, headers=bearer(settings, "admin")
    )
    assert_problem(r, 415)


def test_a_trailing_newline_is_not_part_of_a_valid_id(
    pilots_client: Any, intake_client: Any, settings: Settings
) -> None:
    admin = bearer(settings, "admin")
    r = pilots_client.post(
        "/v1/organisations", json={"id": "nl-zz9\n", "name": "N", "type": "ngo"}, headers=admin
    )
    assert [e["pointer"] for e in assert_problem(r, 422)["errors"]] == ["#/id"]
    r = intake_client.post("/v1/referrals", json=referral(1, source_id="R-1\n"), headers=admin)
    assert [e["pointer"] for e in assert_problem(r, 422)["errors"]] == ["#/source_id"]


def test_an_instrument_range_beyond_what_reads_back_as_a_number_is_422(
    pilots_client: Any, settings: Settings
) -> None:
    body = {
        "code": "BIG",
        "name": "Big",
        "min_value": 1.79e308,
        "max_value": 1.7976931348623157e308,
    }
    r = pilots_client.post("/v1/instruments", json=body, headers=bearer(settings, "admin"))
    named = {e["pointer"] for e in assert_problem(r, 422)["errors"]}
    assert named == {"#/min_value", "#/max_value"}
    r = pilots_client.get("/v1/instruments", headers=bearer(settings, "admin"))
    assert r.status_code == 200 and "Infinity" not in r.get_data(as_text=True)


def test_the_documents_declare_every_error_as_problem_json(service: Flask) -> None:
    doc = service.test_client().get("/openapi.json").get_json()
    for name, response in doc["components"]["responses"].items():
        assert set(response.get("content", {PROBLEM_JSON: 1})) == {PROBLEM_JSON}, name
    for _, method, operation, _ in _operations(service):
        for status, response in operation["responses"].items():
            if status == "default" or int(status) >= 400:
                content = response.get("content") or {PROBLEM_JSON: 1}
                assert "$ref" in response or set(content) == {PROBLEM_JSON}, (method, status)


def test_the_docs_redirect_never_names_the_requests_host(service: Flask) -> None:
    r = service.test_client().get("/docs", headers={"Host": "evil.example"})
    assert r.status_code == 308
    assert r.headers["Location"] == "/docs/"
