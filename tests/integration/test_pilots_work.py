"""A pilot worker's day on the pilots service: case codes to find a case again, episodes when a
young person is referred again after their case ended, my work (tasks across cases, my idle
cases, the dashboard's counts) — and proof that every path to a case is scoped to the caller's
pilots and writes its audit entry."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from services.pilots.consumers import CASE_EVENTS
from services.pilots.domain.case_codes import ALPHABET, normalise
from services.pilots.store.case_repository import CaseRepository, ScopedCase
from shared.calendar import HELSINKI
from shared.config import Settings
from shared.db import UnitOfWork, make_session_factory
from shared.messaging.consumer import Consumer
from shared.principal import Principal
from tests.integration.test_pilots_cases import (
    NORTH,
    SOUTH,
    audit_rows,
    case_id,
    move,
    participation,
    referral,
    seed_pilots,
    worker,
)
from tests.support.api import assert_problem, bearer
from tests.support.consume import deliver

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("pilots")]


@pytest.fixture
def consumer(settings: Settings, engines: dict[str, Engine]) -> Consumer:
    sessions = make_session_factory(engines["pilots"])
    return Consumer(settings, CASE_EVENTS, lambda: UnitOfWork(sessions))


@pytest.fixture
def pilots(pilots_client: FlaskClient, settings: Settings) -> None:
    seed_pilots(pilots_client, settings)


CODE = re.compile(rf"^[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}$")


def outbox_events(engine: Engine, event_type: str) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT payload FROM outbox WHERE event_type = :t ORDER BY id"),
            {"t": event_type},
        ).scalars()
        return [json.loads(bytes(row)) for row in rows]


# --- case codes -------------------------------------------------------------------------------


def test_case_codes_are_short_unambiguous_and_read_leniently() -> None:
    assert normalise("k7qm 3xpd") == "K7QM-3XPD"
    assert normalise("K7QM-3XPD") == "K7QM-3XPD"
    assert normalise("K7QM-3XP0") == "K7QM-3XPD"  # a zero read as the D it resembles
    assert normalise("K7QM-3XP") is None
    assert normalise("K7QM-3XPDD") is None
    assert normalise("K7QM-3XP٣") is None  # non-ASCII digits are no code
    assert normalise("x" * 100) is None


def test_every_case_has_its_own_code_found_only_within_the_callers_pilots(
    pilots_client: FlaskClient, settings: Settings, consumer: Consumer, engines: dict[str, Engine]
) -> None:
    deliver(consumer, referral("code-1"), referral("code-2"), referral("code-3", pilot_id=SOUTH))
    north = worker(settings)
    cases = pilots_client.get("/v1/cases", headers=north).get_json()["items"]
    codes = [c["code"] for c in cases]
    assert len(codes) == 2 and len(set(codes)) == 2
    assert all(CODE.match(code) for code in codes)

    wanted = cases[0]
    typed = wanted["code"].lower().replace("-", " ")
    found = pilots_client.post("/v1/cases/by-code", json={"code": typed}, headers=north)
    assert found.status_code == 200
    assert found.get_json()["id"] == wanted["id"]
    # never in a URL: a list does not take it
    in_url = pilots_client.get(f"/v1/cases?code={wanted['code']}", headers=north)
    assert_problem(in_url, 422)
    assert wanted["code"] not in in_url.get_data(as_text=True)

    south = worker(settings, SOUTH, subject="worker-south")
    missing = pilots_client.post("/v1/cases/by-code", json={"code": wanted["code"]}, headers=south)
    unknown = pilots_client.post("/v1/cases/by-code", json={"code": "2222-2222"}, headers=south)
    assert_problem(missing, 404)
    assert_problem(unknown, 404)
    assert missing.get_json()["detail"] == unknown.get_json()["detail"]
    assert wanted["code"] not in missing.get_data(as_text=True)
    actions = [r.action for r in audit_rows(engines["pilots"], wanted["id"])]
    assert actions.count("find_by_code") == 1 and "read" in actions
    assert all(r.subject == "worker-1" for r in audit_rows(engines["pilots"], wanted["id"]))


def test_an_opened_case_is_announced_with_its_code_and_the_referrals_source(
    settings: Settings, consumer: Consumer, engines: dict[str, Engine]
) -> None:
    event = referral("announced-1")
    event.data.update(source_system="apotti", source_id="R-77", organisation="org-1")
    deliver(consumer, event, event)
    [opened] = outbox_events(engines["pilots"], "case.opened")
    data = opened["data"]
    cid = case_id(engines["pilots"], "announced-1")
    with engines["pilots"].connect() as connection:
        code = connection.execute(
            sa.text("SELECT code FROM pilot_case WHERE id = :id"), {"id": cid}
        ).scalar_one()
    assert (data["case_id"], data["case_code"], data["pilot_id"]) == (cid, code, NORTH)
    assert data["previous_case_id"] is None
    assert data["referral"] == {
        "event_id": event.id,
        "source_system": "apotti",
        "source_id": "R-77",
        "organisation": "org-1",
    }


# --- episodes ---------------------------------------------------------------------------------


def test_a_referral_after_the_case_ended_opens_a_new_episode_linked_to_the_earlier_one(
    pilots_client: FlaskClient, settings: Settings, consumer: Consumer, engines: dict[str, Engine]
) -> None:
    headers = worker(settings)
    first_referral = referral("again-1", on="2026-03-01")
    deliver(consumer, first_referral, participation("again-1", "2026-03-10T10:00:00+02:00"))
    first = case_id(engines["pilots"], "again-1")
    # While the case is open, a second referral lands on its timeline and opens nothing.
    deliver(consumer, referral("again-1", on="2026-04-01"))
    assert pilots_client.get("/v1/cases", headers=headers).get_json()["items"][0]["id"] == first
    assert move(pilots_client, headers, first, "enrolled").status_code == 201
    closing = {"closing_reason": "goals_met"}
    assert move(pilots_client, headers, first, "closed", **closing).status_code == 201
    # The first referral delivered again changes nothing; a new referral opens an episode.
    deliver(consumer, first_referral)
    assert len(pilots_client.get("/v1/cases", headers=headers).get_json()["items"]) == 1
    deliver(
        consumer,
        referral("again-1", on="2026-10-01"),
        participation("again-1", "2026-10-05T10:00:00+03:00"),
    )
    cases = pilots_client.get("/v1/cases", headers=headers).get_json()["items"]
    assert len(cases) == 2
    [later] = [c for c in cases if c["id"] != first]
    assert (later["state"], later["previous_case_id"]) == ("referred", first)
    assert later["code"] != cases[0 if cases[0]["id"] == first else 1]["code"]
    episodes = pilots_client.get(f"/v1/cases?previous_case={first}", headers=headers).get_json()
    assert [c["id"] for c in episodes["items"]] == [later["id"]]

    def kinds(cid: str) -> list[tuple[str, str]]:
        line = pilots_client.get(f"/v1/cases/{cid}/timeline", headers=headers).get_json()
        return [(e["kind"], e["occurred_at"][:10]) for e in line]

    assert kinds(first) == [
        ("referral", "2026-02-28"),
        ("participation", "2026-03-10"),
        ("referral", "2026-03-31"),
        *[(k, d) for k, d in kinds(first) if k == "transition"],
    ]
    assert kinds(later["id"]) == [("referral", "2026-09-30"), ("participation", "2026-10-05")]
    # The earlier case keeps its end; the new one is announced with the link.
    assert pilots_client.get(f"/v1/cases/{first}", headers=headers).get_json()["state"] == "closed"
    opened = [e["data"] for e in outbox_events(engines["pilots"], "case.opened")]
    assert [o["previous_case_id"] for o in opened] == [None, first]


def test_a_corrected_mark_replaces_the_earlier_one_on_the_timeline_in_any_arrival_order(
    pilots_client: FlaskClient, settings: Settings, consumer: Consumer, engines: dict[str, Engine]
) -> None:
    headers = worker(settings)
    for who, in_order in (("marked-1", True), ("marked-2", False)):
        first = participation(who, "2026-09-10T17:00:00+03:00", attendance="attended")
        correction = participation(who, "2026-09-10T17:00:00+03:00", attendance="absent")
        correction.data["corrects"] = first.id
        deliver(consumer, referral(who))
        deliver(consumer, *((first, correction) if in_order else (correction, first)))
        cid = case_id(engines["pilots"], who)
        line = pilots_client.get(f"/v1/cases/{cid}/timeline", headers=headers).get_json()
        marks = [e["summary"]["attendance"] for e in line if e["kind"] == "participation"]
        assert marks == ["absent"], who
        [shown] = [e for e in line if e["kind"] == "participation"]
        assert shown["summary"]["corrects"] == first.id


def test_a_declined_referral_is_followed_by_a_new_episode_too(
    pilots_client: FlaskClient, settings: Settings, consumer: Consumer, engines: dict[str, Engine]
) -> None:
    headers = worker(settings)
    deliver(consumer, referral("declined-1", on="2026-05-01"))
    first = case_id(engines["pilots"], "declined-1")
    why = {"closing_reason": "no_capacity"}
    assert move(pilots_client, headers, first, "declined", **why).status_code == 201
    deliver(consumer, referral("declined-1", on="2026-06-01"))
    states = sorted(
        c["state"] for c in pilots_client.get("/v1/cases", headers=headers).json["items"]
    )
    assert states == ["declined", "referred"]


# --- my work ----------------------------------------------------------------------------------


def _task(
    client: FlaskClient, headers: dict[str, str], cid: str, title: str, due: date, who: str
) -> Any:
    r = client.post(
        f"/v1/cases/{cid}/tasks",
        json={"title": title, "due_on": due.isoformat(), "assignee": who},
        headers=headers,
    )
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_my_tasks_across_cases_due_today_overdue_and_open_paged_and_audited(
    pilots_client: FlaskClient, settings: Settings, consumer: Consumer, engines: dict[str, Engine]
) -> None:
    deliver(consumer, referral("work-1"), referral("work-2"), referral("work-3", pilot_id=SOUTH))
    one, two = case_id(engines["pilots"], "work-1"), case_id(engines["pilots"], "work-2")
    me, colleague = worker(settings), worker(settings, subject="worker-2")
    south = worker(settings, SOUTH, subject="worker-south")
    today = datetime.now(HELSINKI).date()
    due_today = _task(pilots_client, me, one, "call", today, "worker-1")
    overdue = _task(pilots_client, me, two, "meet", today - timedelta(days=3), "worker-1")
    later = _task(pilots_client, me, two, "write", today + timedelta(days=5), "worker-1")
    _task(pilots_client, me, one, "theirs", today, "worker-2")
    done = _task(pilots_client, me, one, "done already", today, "worker-1")
    r = pilots_client.patch(
        f"/v1/cases/{one}/tasks/{done['id']}",
        json={"done": True},
        headers=me | {"If-Match": f'"{done["version"]}"'},
    )
    assert r.status_code == 200

    def titles(query: str, headers: dict[str, str] = me) -> list[str]:
        r = pilots_client.get(f"/v1/tasks?{query}", headers=headers)
        assert r.status_code == 200, r.get_json()
        return [t["title"] for t in r.get_json()["items"]]

    assert titles("assigned=me&due=today") == ["call"]
    assert titles("assigned=me&overdue=true") == ["meet"]
    assert titles("assigned=me&open=true") == ["meet", "call", "write"]
    assert titles("assigned=me&open=false") == ["done already"]
    assert titles("assigned=me&due=today", colleague) == ["theirs"]
    assert titles("assigned=worker-1", south) == []  # another pilot's tasks are not there
    assert_problem(pilots_client.get("/v1/tasks?due=tomorrow", headers=me), 422)

    first = pilots_client.get("/v1/tasks?assigned=me&open=true&limit=2", headers=me).get_json()
    assert [t["title"] for t in first["items"]] == ["meet", "call"]
    rest = pilots_client.get(
        f"/v1/tasks?assigned=me&open=true&limit=2&cursor={first['next_cursor']}", headers=me
    ).get_json()
    assert [t["title"] for t in rest["items"]] == ["write"] and "next_cursor" not in rest
    item = first["items"][0]
    assert (item["id"], item["case_id"], item["pilot_id"]) == (overdue["id"], two, NORTH)
    assert CODE.match(item["case_code"])
    assert later["id"] == rest["items"][0]["id"] and due_today["case_id"] == one

    # Each page audits the cases its tasks belong to.
    assert "list_tasks" in [r.action for r in audit_rows(engines["pilots"], two)]

    counts = pilots_client.get("/v1/my-work", headers=me).get_json()
    assert counts == {
        "tasks_due_today": 1,
        "tasks_overdue": 1,
        "tasks_open": 3,
        "idle_cases": 0,
        "new_referrals": 2,
        "responsible_cases": 0,
    }


def test_my_idle_cases_are_the_ones_the_scheduler_calls_idle(
    pilots_client: FlaskClient, settings: Settings, consumer: Consumer, engines: dict[str, Engine]
) -> None:
    long_ago = (date.today() - timedelta(days=60)).isoformat()
    deliver(consumer, referral("quiet-1", on=long_ago), referral("quiet-2", on=long_ago))
    deliver(consumer, referral("busy-1"))
    quiet_one, quiet_two = (
        case_id(engines["pilots"], "quiet-1"),
        case_id(engines["pilots"], "quiet-2"),
    )
    busy = case_id(engines["pilots"], "busy-1")
    with engines["pilots"].begin() as connection:  # they came here 40 days ago
        connection.execute(
            sa.text(
                "UPDATE pilot_case SET created_at = now() - interval '40 days' WHERE id IN (:a, :b)"
            ),
            {"a": quiet_one, "b": quiet_two},
        )
    me = worker(settings)
    for cid in (quiet_one, busy):
        current = pilots_client.get(f"/v1/cases/{cid}", headers=me)
        r = pilots_client.patch(
            f"/v1/cases/{cid}",
            json={"responsible_worker": "worker-1"},
            headers=me | {"If-Match": current.headers["ETag"]},
        )
        assert r.status_code == 200
    mine_idle = pilots_client.get("/v1/cases?responsible=me&idle=true", headers=me).get_json()
    assert [c["id"] for c in mine_idle["items"]] == [quiet_one]
    pilot_idle = pilots_client.get(f"/v1/cases?pilot={NORTH}&idle=true", headers=me).get_json()
    assert sorted(c["id"] for c in pilot_idle["items"]) == sorted([quiet_one, quiet_two])
    counts = pilots_client.get("/v1/my-work", headers=me).get_json()
    assert (counts["idle_cases"], counts["responsible_cases"]) == (1, 2)


# --- every path to a case is scoped and audited -----------------------------------------------

#: Every route of the pilots service that reads or changes client-level data, with how to call
#: it on a case and the audit action it must write. A new route under /v1/cases or /v1/tasks
#: fails the completeness test below until it is listed here.
CASE_PATHS: list[tuple[str, str, str, Any]] = [
    ("GET", "/v1/cases", "list", None),
    ("POST", "/v1/cases/by-code", "find_by_code", "code"),
    ("GET", "/v1/cases/{case_id}", "read", None),
    ("PATCH", "/v1/cases/{case_id}", "update", {"responsible_worker": "worker-2"}),
    ("GET", "/v1/cases/{case_id}/transitions", "read_transitions", None),
    (
        "POST",
        "/v1/cases/{case_id}/transitions",
        "transition",
        {"to_state": "enrolled", "reason": "x"},
    ),
    ("GET", "/v1/cases/{case_id}/timeline", "read_timeline", None),
    ("GET", "/v1/cases/{case_id}/tasks", "read_tasks", None),
    ("POST", "/v1/cases/{case_id}/tasks", "add_task", "task"),
    ("GET", "/v1/cases/{case_id}/tasks/{task_id}", "read_tasks", None),
    ("PATCH", "/v1/cases/{case_id}/tasks/{task_id}", "update_task", {"title": "Call again"}),
    ("GET", "/v1/tasks", "list_tasks", None),
]
#: Routes under those prefixes that read no case (counts only).
NO_CASE_READ = {("GET", "/v1/my-work")}
#: Admins only, each with its own test (test_pilots_retention.py: the right of access).
ADMIN_ONLY = {("POST", "/v1/cases/access-report")}


def test_the_list_of_case_paths_names_every_route_to_client_level_data(pilots_app: Flask) -> None:
    routes = set()
    for rule in pilots_app.url_map.iter_rules():
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        if path.startswith(("/v1/cases", "/v1/tasks", "/v1/my-work")):
            routes |= {(m, path) for m in rule.methods or () if m not in ("HEAD", "OPTIONS")}
    assert routes == {(m, p) for m, p, _, _ in CASE_PATHS} | NO_CASE_READ | ADMIN_ONLY


@pytest.mark.parametrize(("method", "template", "action", "body"), CASE_PATHS)
def test_every_path_to_a_case_is_scoped_to_the_callers_pilots_and_writes_its_audit_entry(
    pilots_client: FlaskClient,
    settings: Settings,
    consumer: Consumer,
    engines: dict[str, Engine],
    method: str,
    template: str,
    action: str,
    body: Any,
) -> None:
    deliver(consumer, referral("scoped-1"))
    cid = case_id(engines["pilots"], "scoped-1")
    me = worker(settings)
    today = datetime.now(HELSINKI).date().isoformat()
    task = pilots_client.post(
        f"/v1/cases/{cid}/tasks",
        json={"title": "call", "due_on": today, "assignee": "worker-1"},
        headers=me,
    ).get_json()
    case = pilots_client.get(f"/v1/cases/{cid}", headers=me).get_json()
    path = template.format(case_id=cid, task_id=task["id"])
    if body == "code":
        body = {"code": case["code"]}
    elif body == "task":
        body = {"title": "visit", "due_on": today, "assignee": "worker-1"}
    version = task["version"] if "task_id" in template else case["version"]
    headers = {"If-Match": f'"{version}"'} if method == "PATCH" else {}

    def call(who: dict[str, str]) -> Any:
        return pilots_client.open(path, method=method, json=body, headers=who | headers)

    def entries() -> list[Any]:
        return [r for r in audit_rows(engines["pilots"], cid) if r.action == action]

    before = len(entries())
    south = worker(settings, SOUTH, subject="worker-south")
    outside = call(south | {"X-Purpose": "supervision"})
    if "{case_id}" in template or (body is not None and "code" in body):
        assert_problem(outside, 404)
    else:  # a list: the case is not in it
        assert outside.status_code == 200
        assert cid not in outside.get_data(as_text=True)
    for role in ("coordinator", "integration"):
        assert_problem(call(bearer(settings, role, pilots=[NORTH])), 403)
    assert len(entries()) == before  # nothing was read, nothing audited

    inside = call(me | {"X-Purpose": "supervision"})
    assert inside.status_code in (200, 201), inside.get_json()
    written = entries()[before:]
    assert len(written) == 1
    assert (written[0].subject, written[0].purpose, written[0].pilot_id) == (
        "worker-1",
        "supervision",
        NORTH,
    )


def test_a_scoped_case_is_made_only_by_the_repository() -> None:
    with pytest.raises(TypeError):
        ScopedCase({"id": "x", "pilot_id": NORTH}, object())
    with pytest.raises(ValueError):
        CaseRepository(None, Principal("a", "admin", None, frozenset()), "curiosity")  # type: ignore[arg-type]
