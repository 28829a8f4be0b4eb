"""The web UI's routes: one table that the notification rules build their links from and that the
UI's router is generated from (``turvaverkko ui-routes`` prints it as JSON for ``web/``).

Each route is a path in the UI at ``UI_BASE_URL`` (``:8080``), the query parameters it takes, and
the API call that fills the screen: the UI passes a route's query parameters through to that
call unchanged, so ``/cases?responsible=me&idle=true`` shows what ``GET /v1/cases?
responsible=me&idle=true`` answers. A test checks every rule's links against this table and every
route's call and parameters against the services' OpenAPI documents.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit


@dataclass(frozen=True)
class UiRoute:
    name: str
    #: The path, with ``{parameter}`` placeholders.
    path: str
    #: The query parameters the screen takes (passed through to ``api``).
    query: tuple[str, ...]
    #: The call that fills the screen: service, method and path (its placeholders the route's).
    service: str
    api: str
    #: A path parameter of the route whose name differs in the API path (route name → API name).
    api_names: tuple[tuple[str, str], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


ROUTES: dict[str, UiRoute] = {
    route.name: route
    for route in (
        UiRoute("my_work", "/", (), "pilots", "/v1/my-work"),
        UiRoute(
            "cases",
            "/cases",
            ("pilot", "state", "responsible", "idle", "open", "activity"),
            "pilots",
            "/v1/cases",
        ),
        UiRoute(
            "pilot_cases", "/pilots/{pilot_id}/cases", ("state", "idle"), "pilots", "/v1/cases"
        ),
        UiRoute("case", "/cases/{case_id}", (), "pilots", "/v1/cases/{case_id}"),
        UiRoute(
            "case_task",
            "/cases/{case_id}/tasks/{task_id}",
            (),
            "pilots",
            "/v1/cases/{case_id}/tasks/{task_id}",
        ),
        UiRoute(
            "tasks",
            "/tasks",
            ("assigned", "due", "overdue", "open", "pilot"),
            "pilots",
            "/v1/tasks",
        ),
        UiRoute(
            "import",
            "/imports/{import_id}",
            (),
            "intake",
            "/v1/imports/{job_id}",
            api_names=(("import_id", "job_id"),),
        ),
        UiRoute(
            "dead_letters", "/admin/dead-letters", ("queue",), "notifications", "/v1/dead-letters"
        ),
        UiRoute(
            "lifecycle",
            "/pilots/{pilot_id}/lifecycle",
            (),
            "pilots",
            "/v1/pilots/{pilot_id}/lifecycle",
        ),
        UiRoute("inbox", "/inbox", (), "notifications", "/v1/notifications"),
    )
}

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def template(name: str, **query: str) -> str:
    """A link template for route ``name``: its path (placeholders kept, for the event's fields to
    fill) and the given query — each name one the route takes (ValueError otherwise)."""
    route = ROUTES[name]
    unknown = set(query) - set(route.query)
    if unknown:
        raise ValueError(f"route {name} takes no query parameter {sorted(unknown)}")
    if not query:
        return route.path
    return route.path + "?" + "&".join(f"{k}={v}" for k, v in query.items())


def fill(link_template: str, values: Mapping[str, Any]) -> str:
    """A template's placeholders filled, every value URL-quoted."""
    return _PLACEHOLDER.sub(
        lambda m: quote(str(values.get(m.group(1)) or ""), safe=""), link_template
    )


def resolve(link: str) -> tuple[UiRoute, dict[str, str], dict[str, str]] | None:
    """The route a link (or a link template) goes to, with its path and query values; None if
    it goes to no route or uses a query parameter the route does not take."""
    parts = urlsplit(link)
    for route in ROUTES.values():
        pattern = (
            "^"
            + _PLACEHOLDER.sub(
                r"(?P<\1>[^/]+)", re.escape(route.path).replace(r"\{", "{").replace(r"\}", "}")
            )
            + "$"
        )
        matched = re.match(pattern, parts.path)
        if matched is None:
            continue
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        if set(query) - set(route.query):
            return None
        return route, matched.groupdict(), query
    return None
