"""The web UI's route table (shared/ui_routes.py): every link a notification rule builds goes to
a route of the table, and every route's screen is filled by an API call that exists, with the
route's query parameters among the call's documented parameters."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from flask import Flask

from services.notifications.domain.rules import RULES
from shared.ui_routes import ROUTES, UiRoute, resolve, template

pytestmark = pytest.mark.integration


def _links() -> list[tuple[str, str]]:
    found = []
    for event_type, rule in RULES.items():
        for name in ("link", "mail_link"):
            if getattr(rule, name, None):
                found.append((f"{event_type}.{name}", getattr(rule, name)))
        gather = getattr(rule, "gather", None)
        if gather is not None:
            found.append((f"{event_type}.gather.link", gather.link))
            if gather.named_link:
                found.append((f"{event_type}.gather.named_link", gather.named_link))
    return found


@pytest.mark.parametrize(("where", "link"), _links())
def test_every_link_a_rule_builds_goes_to_a_route_of_the_table(where: str, link: str) -> None:
    assert resolve(link) is not None, f"{where}: {link} goes to no route of shared/ui_routes.py"


def test_a_link_with_a_query_parameter_the_route_does_not_take_goes_nowhere() -> None:
    assert resolve("/tasks?assigned=me&due=today") is not None
    assert resolve("/tasks?assignee=me") is None
    assert resolve("/nowhere") is None
    with pytest.raises(ValueError):
        template("tasks", assignee="me")


@pytest.mark.parametrize("route", list(ROUTES.values()), ids=list(ROUTES))
def test_every_route_is_filled_by_a_documented_api_call_taking_its_parameters(
    route: UiRoute, intake_app: Flask, pilots_app: Flask, notifications_app: Flask
) -> None:
    app = {"intake": intake_app, "pilots": pilots_app, "notifications": notifications_app}[
        route.service
    ]
    document = app.test_client().get("/openapi.json").get_json()
    operation = document["paths"].get(route.api, {}).get("get")
    assert operation is not None, f"{route.service} documents no GET {route.api}"
    parameters = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
    missing = set(route.query) - parameters
    assert not missing, f"GET {route.api} takes no {sorted(missing)}"
    renamed = dict(route.api_names)
    path_names = {renamed.get(n, n) for n in resolve(route.path)[1]} if "{" in route.path else set()
    assert path_names <= set(route.api.replace("}", "{").split("{")[1::2]) | {"pilot_id"}


def test_the_table_is_printed_as_json_for_the_web_ui() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "services.cli", "ui-routes"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    printed = json.loads(out)
    assert {r["name"] for r in printed} == set(ROUTES)
    assert next(r for r in printed if r["name"] == "tasks")["api"] == "/v1/tasks"
