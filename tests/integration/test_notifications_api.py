"""The notifications API as the web UI and admins use it: the inbox (unread first, newest first,
cursor pagination, marking one or all read, the unread count, nobody else's items), each user's
preferences with ETag / If-Match, the directory and organisations' contacts, the rules and the
delivery log for admins — and RFC 9457 problem+json naming every bad field."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from services.notifications.consumers import RULES_CONSUMER
from shared.config import Settings
from shared.db import UnitOfWork, make_session_factory
from shared.messaging.consumer import Consumer
from shared.messaging.events import EventType
from shared.resources import encode_cursor
from tests.support.api import assert_problem, bearer
from tests.support.consume import deliver
from tests.support.notifications import (
    pilot_published,
    register,
    task_event,
)

pytestmark = pytest.mark.integration

PILOT = "pilot-inbox"
ME, SOMEONE = "user-me", "user-someone-else"


@pytest.fixture
def client(notifications_client: FlaskClient) -> FlaskClient:
    return notifications_client


@pytest.fixture
def rules(settings: Settings, engines: dict[str, Engine]) -> Consumer:
    sessions = make_session_factory(engines["notifications"])
    consumer = Consumer(settings, RULES_CONSUMER, lambda: UnitOfWork(sessions))
    deliver(consumer, pilot_published(PILOT, {}))
    return consumer


def me(settings: Settings, subject: str = ME) -> dict[str, str]:
    return bearer(settings, "pilot_worker", subject=subject, pilots=[PILOT])


def admin(settings: Settings) -> dict[str, str]:
    return bearer(settings, "admin", subject="admin-1")


def test_the_inbox_lists_unread_first_then_newest_first_a_page_at_a_time(
    client: FlaskClient, settings: Settings, rules: Consumer
) -> None:
    for due in ("2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"):
        deliver(rules, task_event(EventType.TASK_OVERDUE, ME, PILOT, due_on=due))
    deliver(rules, task_event(EventType.TASK_DUE, SOMEONE, PILOT))
    first = client.get("/v1/notifications?limit=5", headers=me(settings)).get_json()["items"]
    ids = [item["id"] for item in first]  # newest first
    assert "erääntyi 5.11.2026" in first[0]["text"] and "erääntyi 1.11.2026" in first[-1]["text"]
    assert client.get("/v1/notifications/unread-count", headers=me(settings)).get_json() == {
        "unread": 5
    }

    r = client.post(f"/v1/notifications/{ids[1]}/read", headers=me(settings))
    assert r.status_code == 200 and r.get_json()["read"] is True
    again = client.post(f"/v1/notifications/{ids[1]}/read", headers=me(settings)).get_json()
    assert again["read_at"] == r.get_json()["read_at"]  # marking again changes nothing

    seen: list[int] = []
    url = "/v1/notifications?limit=2"
    pages = 0
    while url:
        r = client.get(url, headers=me(settings))
        assert r.status_code == 200, r.get_json()
        body = r.get_json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        if "next_cursor" in body:
            assert r.headers["Link"].endswith('rel="next"')
            url = r.headers["Link"].split(">")[0].lstrip("<")
        else:
            assert "Link" not in r.headers
            url = ""
    assert pages == 3
    assert seen == [ids[0], ids[2], ids[3], ids[4], ids[1]]  # unread newest first, then read
    unread_only = client.get("/v1/notifications?unread=true", headers=me(settings)).get_json()
    assert [i["id"] for i in unread_only["items"]] == [ids[0], ids[2], ids[3], ids[4]]
    assert client.get("/v1/notifications/unread-count", headers=me(settings)).get_json() == {
        "unread": 4
    }

    # "Mark all read" up to what was seen: one that arrived since stays unread.
    deliver(rules, task_event(EventType.TASK_DUE, ME, PILOT))
    r = client.post("/v1/notifications/read", json={"up_to": ids[0]}, headers=me(settings))
    assert r.get_json() == {"marked": 4}
    assert client.get("/v1/notifications/unread-count", headers=me(settings)).get_json() == {
        "unread": 1
    }
    assert client.post("/v1/notifications/read", headers=me(settings)).get_json() == {"marked": 1}
    assert client.get(
        "/v1/notifications/unread-count", headers=bearer(settings, subject=SOMEONE)
    ).get_json() == {"unread": 1}


def test_nobody_reads_or_marks_anyone_elses_notifications(
    client: FlaskClient, settings: Settings, rules: Consumer
) -> None:
    deliver(rules, task_event(EventType.TASK_DUE, SOMEONE, PILOT))
    [theirs] = client.get(
        "/v1/notifications", headers=bearer(settings, subject=SOMEONE)
    ).get_json()["items"]
    assert client.get("/v1/notifications", headers=me(settings)).get_json()["items"] == []
    assert_problem(client.get(f"/v1/notifications/{theirs['id']}", headers=me(settings)), 404)
    assert_problem(client.post(f"/v1/notifications/{theirs['id']}/read", headers=me(settings)), 404)
    assert client.post("/v1/notifications/read", headers=me(settings)).get_json() == {"marked": 0}
    one = client.get(f"/v1/notifications/{theirs['id']}", headers=bearer(settings, subject=SOMEONE))
    assert one.status_code == 200 and one.get_json()["read"] is False
    assert_problem(client.get("/v1/notifications"), 401)


def test_bad_inbox_queries_are_problems_naming_the_parameter(
    client: FlaskClient, settings: Settings
) -> None:
    for query, parameter in (
        ("limit=0", "limit"),
        ("unread=perhaps", "unread"),
        ("cursor=not-a-cursor!", "cursor"),
        ("cursor=YWZ0ZXI6eA", "cursor"),  # "after:x": well-formed, but not an inbox position
        ("colour=red", ""),  # no parameter of the API: not repeated
    ):
        body = assert_problem(client.get(f"/v1/notifications?{query}", headers=me(settings)), 422)
        assert [e["parameter"] for e in body["errors"]] == [parameter], query
    body = assert_problem(
        client.post("/v1/notifications/read", json={"up_to": 0, "all": True}, headers=me(settings)),
        422,
    )
    assert {e["pointer"] for e in body["errors"]} == {"#/up_to", "#"}  # "all": not repeated


def test_numbers_too_large_or_not_ascii_are_problems_not_server_errors(
    client: FlaskClient, settings: Settings
) -> None:
    """Ids, cursors, versions and marks beyond a bigint, or written in other digits, name nothing:
    404, 412 or 422 — never a 500 from the database."""
    huge = "9" * 25
    for path in (f"/v1/notifications/{huge}", f"/v1/deliveries/{huge}"):
        assert_problem(client.get(path, headers=admin(settings) | me(settings)), 404)
    assert_problem(client.post(f"/v1/notifications/{huge}/read", headers=me(settings)), 404)
    for position in ("u:99999999999999999999", "r:9223372036854775808", "u:²"):
        cursor = encode_cursor(position)
        body = assert_problem(
            client.get(f"/v1/notifications?cursor={cursor}", headers=me(settings)), 422
        )
        assert [e["parameter"] for e in body["errors"]] == ["cursor"], position
    body = assert_problem(
        client.post("/v1/notifications/read", json={"up_to": 10**25}, headers=me(settings)), 422
    )
    assert [e["pointer"] for e in body["errors"]] == ["#/up_to"]
    for version in ('"²"', f'"{huge}"'):
        assert_problem(
            client.put(
                "/v1/notifications/preferences",
                json={"inbox": "immediate", "email": "digest"},
                headers=me(settings) | {"If-Match": version},
            ),
            412,
        )


def test_preferences_are_read_and_changed_with_etag_and_if_match(
    client: FlaskClient, settings: Settings
) -> None:
    r = client.get("/v1/notifications/preferences", headers=me(settings))
    assert r.get_json() == {
        "inbox": "immediate",
        "email": "immediate",
        "language": None,
        "version": 0,
    }
    assert r.headers["ETag"] == '"0"'
    choice = {"inbox": "immediate", "email": "digest", "language": "sv"}
    assert_problem(
        client.put("/v1/notifications/preferences", json=choice, headers=me(settings)), 428
    )
    r = client.put(
        "/v1/notifications/preferences", json=choice, headers=me(settings) | {"If-Match": '"0"'}
    )
    assert r.status_code == 200 and r.get_json()["version"] == 1 and r.headers["ETag"] == '"1"'
    stale = client.put(
        "/v1/notifications/preferences", json=choice, headers=me(settings) | {"If-Match": '"0"'}
    )
    assert_problem(stale, 412)
    r = client.put(
        "/v1/notifications/preferences",
        json=choice | {"email": "off"},
        headers=me(settings) | {"If-Match": '"1"'},
    )
    assert r.get_json() == {"inbox": "immediate", "email": "off", "language": "sv", "version": 2}
    assert (
        client.get(
            "/v1/notifications/preferences", headers=bearer(settings, subject=SOMEONE)
        ).get_json()["version"]
        == 0
    )

    bad = assert_problem(
        client.put(
            "/v1/notifications/preferences",
            json={"inbox": "sometimes", "language": "de", "sms": "immediate"},
            headers=me(settings) | {"If-Match": '"2"'},
        ),
        422,
    )
    assert {e["pointer"] for e in bad["errors"]} == {"#/inbox", "#/email", "#/language", "#"}


def test_admins_keep_the_directory(client: FlaskClient, settings: Settings) -> None:
    body = {"email": "anna@example.org", "language": "sv", "role": "coordinator"}
    r = client.put(f"/v1/recipients/{ME}", json=body, headers=admin(settings))
    assert r.status_code == 201 and r.headers["ETag"] == '"1"'
    assert r.get_json()["subject"] == ME and r.get_json()["active"] is True
    assert_problem(client.put(f"/v1/recipients/{ME}", json=body, headers=admin(settings)), 428)
    r = client.put(
        f"/v1/recipients/{ME}",
        json=body | {"active": False},
        headers=admin(settings) | {"If-Match": '"1"'},
    )
    assert r.status_code == 200 and r.get_json()["active"] is False
    assert_problem(
        client.put(
            f"/v1/recipients/{ME}", json=body, headers=admin(settings) | {"If-Match": '"1"'}
        ),
        412,
    )
    register(client, settings, "user-b", "admin", "en", None)
    listed = client.get("/v1/recipients?role=admin", headers=admin(settings)).get_json()
    assert [r["subject"] for r in listed["items"]] == ["user-b"]
    one = client.get(f"/v1/recipients/{ME}", headers=admin(settings))
    assert one.status_code == 200 and one.headers["ETag"] == '"2"'
    assert_problem(client.get("/v1/recipients/nobody", headers=admin(settings)), 404)
    # If-Match names a version of something that exists: it never creates (RFC 9110).
    assert_problem(
        client.put(
            "/v1/recipients/nobody", json=body, headers=admin(settings) | {"If-Match": '"1"'}
        ),
        412,
    )
    assert_problem(client.get("/v1/recipients/nobody", headers=admin(settings)), 404)

    for role in ("pilot_worker", "coordinator", "integration", "pilot_lead"):
        assert_problem(client.get("/v1/recipients", headers=bearer(settings, role)), 403)
        assert_problem(
            client.put("/v1/recipients/x", json=body, headers=bearer(settings, role)), 403
        )
    bad = assert_problem(
        client.put(
            "/v1/recipients/user-c",
            json={"email": "not an address", "language": "de", "role": "king", "extra": 1},
            headers=admin(settings),
        ),
        422,
    )
    assert {e["pointer"] for e in bad["errors"]} == {"#/email", "#/language", "#/role", "#"}
    assert "not an address" not in str(bad)
    long = assert_problem(
        client.put(f"/v1/recipients/{'x' * 201}", json=body, headers=admin(settings)), 422
    )
    assert [e["parameter"] for e in long["errors"]] == ["subject"]


def test_an_organisations_contact_is_named_by_admins_or_its_own_integration(
    client: FlaskClient, settings: Settings
) -> None:
    own = bearer(settings, "integration", subject="sys", organisation="org-pirha")
    contact = {"email": "yhteys@example.org", "language": "fi"}
    r = client.put("/v1/organisations/org-pirha/contact", json=contact, headers=own)
    assert r.status_code == 201 and r.get_json()["organisation"] == "org-pirha"
    assert_problem(
        client.put("/v1/organisations/org-pirha/contact", json=contact, headers=own), 428
    )
    r = client.put(
        "/v1/organisations/org-pirha/contact",
        json=contact | {"language": "sv"},
        headers=admin(settings) | {"If-Match": '"1"'},
    )
    assert r.status_code == 200 and r.get_json()["language"] == "sv"
    assert client.get("/v1/organisations/org-pirha/contact", headers=own).get_json()["version"] == 2

    other = bearer(settings, "integration", subject="sys2", organisation="org-other")
    assert_problem(client.get("/v1/organisations/org-pirha/contact", headers=other), 403)
    assert_problem(
        client.put("/v1/organisations/org-pirha/contact", json=contact, headers=other), 403
    )
    assert_problem(
        client.get("/v1/organisations/org-pirha/contact", headers=bearer(settings, "coordinator")),
        403,
    )
    assert_problem(client.get("/v1/organisations/org-other/contact", headers=other), 404)
    bad = assert_problem(
        client.put("/v1/organisations/org-pirha/contact", json={"language": "fi"}, headers=own),
        422,
    )
    assert [e["pointer"] for e in bad["errors"]] == ["#/email"]
    bad = assert_problem(
        client.get("/v1/organisations/NOT_A_SLUG/contact", headers=admin(settings)), 422
    )
    assert [e["parameter"] for e in bad["errors"]] == ["organisation"]


def test_admins_read_the_delivery_log_and_switch_rules(
    client: FlaskClient, settings: Settings, rules: Consumer
) -> None:
    register(client, settings, ME, "pilot_worker", "fi", "me@example.org")
    register(client, settings, SOMEONE, "pilot_worker", "fi", "someone@example.org")
    for subject in (ME, SOMEONE, ME):
        deliver(rules, task_event(EventType.TASK_DUE, subject, PILOT))
    log = client.get("/v1/deliveries?limit=2", headers=admin(settings))
    assert log.status_code == 200
    first = log.get_json()
    assert [d["recipient"] for d in first["items"]] == [ME, SOMEONE]  # newest first
    assert all(d["status"] == "pending" and d["channel"] == "email" for d in first["items"])
    rest = client.get(
        f"/v1/deliveries?limit=2&cursor={first['next_cursor']}", headers=admin(settings)
    ).get_json()
    assert [d["recipient"] for d in rest["items"]] == [ME] and "next_cursor" not in rest
    mine = client.get(f"/v1/deliveries?recipient={ME}", headers=admin(settings)).get_json()
    assert len(mine["items"]) == 2
    for filters in ("status=delivered", "channel=webhook", "event_type=task.overdue"):
        assert (
            client.get(f"/v1/deliveries?{filters}", headers=admin(settings)).get_json()["items"]
            == []
        ), filters
    detail = client.get(f"/v1/deliveries/{mine['items'][0]['id']}", headers=admin(settings))
    assert detail.get_json()["attempt_log"] == []
    assert "address" not in detail.get_json() and "params" not in detail.get_json()
    assert_problem(client.get("/v1/deliveries/999999", headers=admin(settings)), 404)

    bad = assert_problem(
        client.get(
            "/v1/deliveries?status=lost&channel=sms&event_type=x&page=2", headers=admin(settings)
        ),
        422,
    )
    assert {e["parameter"] for e in bad["errors"]} == {"status", "channel", "event_type", "page"}
    for role in ("pilot_worker", "coordinator", "integration", "pilot_lead"):
        assert_problem(client.get("/v1/deliveries", headers=bearer(settings, role)), 403)
        assert_problem(client.get("/v1/rules", headers=bearer(settings, role)), 403)

    listed: list[dict[str, Any]] = client.get("/v1/rules", headers=admin(settings)).get_json()
    assert {r["event_type"] for r in listed} == {
        "referral.received",
        "task.due",
        "task.overdue",
        "case.idle",
        "import.finished",
        "import.failed",
        "message.dead_lettered",
        "lifecycle.phase_changed",
        "case.opened",
    }
    assert all(r["enabled"] and r["version"] == 0 for r in listed)
    assert_problem(
        client.put("/v1/rules/case.transitioned", json={"enabled": False}, headers=admin(settings)),
        404,
    )
    # Switching a rule takes If-Match, like every change: two admins do not undo each other.
    one = client.get("/v1/rules/task.due", headers=admin(settings))
    assert one.status_code == 200 and one.headers["ETag"] == '"0"'
    off = {"enabled": False}
    assert_problem(client.put("/v1/rules/task.due", json=off, headers=admin(settings)), 428)
    first = client.put(
        "/v1/rules/task.due", json=off, headers=admin(settings) | {"If-Match": one.headers["ETag"]}
    )
    assert first.status_code == 200 and first.headers["ETag"] == '"1"'
    assert_problem(  # a second admin who read the rule before the first switched it
        client.put(
            "/v1/rules/task.due",
            json={"enabled": True},
            headers=admin(settings) | {"If-Match": one.headers["ETag"]},
        ),
        412,
    )
    assert client.get("/v1/rules/task.due", headers=admin(settings)).get_json()["enabled"] is False
    bad = assert_problem(
        client.put("/v1/rules/task.due", json={"enabled": "maybe"}, headers=admin(settings)), 422
    )
    assert [e["pointer"] for e in bad["errors"]] == ["#/enabled"]


def test_a_rule_not_found_is_not_named_back(client: FlaskClient, settings: Settings) -> None:
    """The path's text is what the caller sent: a 404's detail does not repeat it."""
    sent = "case.not-a-rule-at-all"
    for answer in (
        client.get(f"/v1/rules/{sent}", headers=admin(settings)),
        client.put(f"/v1/rules/{sent}", json={"enabled": False}, headers=admin(settings)),
    ):
        problem = assert_problem(answer, 404)
        assert problem["detail"] == "No rule for this event type."
