"""Cases: opened by referrals, moved by the workflow and by participation, with tasks, a timeline in
time order, scoping between pilots and roles, an audit entry for every client-level access, ETag
conflicts, idempotent consumption of duplicated and out-of-order events, and scheduled checks that
fire once per occurrence."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from services.pilots.consumers import CASE_EVENTS
from services.pilots.store import audit
from services.pilots.usecases.scheduled_checks import run_checks
from shared.calendar import HELSINKI
from shared.config import Settings
from shared.db import UnitOfWork, make_session_factory
from shared.messaging.consumer import Consumer, Outcome
from shared.messaging.envelope import CONTENT_TYPE, Envelope
from shared.messaging.events import EventType
from tests.support.api import assert_problem, bearer
from tests.support.consume import deliver

pytestmark = pytest.mark.integration

NORTH, SOUTH = "pilot-north", "pilot-south"


def referral(pseudonym: str, pilot_id: str = NORTH, on: str = "2026-09-01") -> Envelope:
    return Envelope.new(
        EventType.REFERRAL_RECEIVED,
        "/turvaverkko/intake",
        {
            "pilot_id": pilot_id,
            "key_id": "dev",
            "pseudonym": pseudonym,
            "gender": "female",
            "home_region": "19",
            "age_band": "13-15",
            "referred_on": on,
            "referring_organisation_type": "child_welfare",
            "reason": "family_situation",
        },
    )


def participation(
    pseudonym: str, at: str, attendance: str = "attended", pilot_id: str = NORTH
) -> Envelope:
    return Envelope.new(
        EventType.PARTICIPATION_RECORDED,
        "/turvaverkko/intake",
        {
            "pilot_id": pilot_id,
            "key_id": "dev",
            "pseudonym": pseudonym,
            "activity_id": "climbing",
            "activity_type": "sports",
            "occurred_at": at,
            "attendance": attendance,
            "kind": "guided_leisure",
            "duration_minutes": 90,
        },
    )


def outcome(pseudonym: str, on: str) -> Envelope:
    return Envelope.new(
        EventType.OUTCOME_RECORDED,
        "/turvaverkko/intake",
        {
            "pilot_id": NORTH,
            "key_id": "dev",
            "pseudonym": pseudonym,
            "instrument": "YP-CORE",
            "time_point": "baseline",
            "value": 12,
            "measured_on": on,
        },
    )


def worker(settings: Settings, *pilots: str, subject: str = "worker-1") -> dict[str, str]:
    return bearer(
        settings, "pilot_worker", subject=subject, pilots=pilots or (NORTH,), organisation="org-1"
    )


@pytest.fixture
def consumer(settings: Settings, engines: dict[str, Engine]) -> Consumer:
    sessions = make_session_factory(engines["pilots"])
    return Consumer(settings, CASE_EVENTS, lambda: UnitOfWork(sessions))


@pytest.fixture
def pilots(pilots_client: FlaskClient, settings: Settings) -> None:
    seed_pilots(pilots_client, settings)


def seed_pilots(pilots_client: FlaskClient, settings: Settings) -> None:
    """Two pilots (north: worker-1, worker-2, lead-north; south: worker-south) of org-1."""
    admin = bearer(settings, "admin")
    org = {"id": "org-1", "name": "Org", "type": "ngo"}
    assert pilots_client.post("/v1/organisations", json=org, headers=admin).status_code == 201
    members = {
        NORTH: [("worker-1", "worker"), ("worker-2", "worker"), ("lead-north", "lead")],
        SOUTH: [("worker-south", "worker")],
    }
    for pilot_id in (NORTH, SOUTH):
        body = {
            "id": pilot_id,
            "name_fi": pilot_id,
            "lead_organisation_id": "org-1",
            "regions": ["19"],
            "theme": "t",
            "target_group": "g",
            "starts_on": "2026-01-01",
            "idle_days": 14,
            "members": [{"subject": s, "role": r} for s, r in members[pilot_id]],
        }
        assert pilots_client.post("/v1/pilots", json=body, headers=admin).status_code == 201


def case_id(engine: Engine, pseudonym: str, pilot_id: str = NORTH) -> str:
    with engine.connect() as connection:
        return connection.execute(
            sa.text("SELECT id FROM pilot_case WHERE pseudonym = :p AND pilot_id = :pilot"),
            {"p": pseudonym, "pilot": pilot_id},
        ).scalar_one()


def move(client: FlaskClient, headers: dict[str, str], cid: str, to: str, **extra: Any) -> Any:
    return client.post(
        f"/v1/cases/{cid}/transitions",
        json={"to_state": to, "reason": f"to {to}", **extra},
        headers=headers,
    )


def audit_rows(engine: Engine, cid: str) -> list[Any]:
    with engine.connect() as connection:
        return connection.execute(
            sa.text("SELECT * FROM audit_entry WHERE case_id = :id ORDER BY id"), {"id": cid}
        ).all()


@pytest.mark.usefixtures("pilots")
def test_a_referral_opens_a_referred_case_once_however_often_it_is_delivered(
    consumer: Consumer, engines: dict[str, Engine]
) -> None:
    event = referral("young-1")
    assert deliver(consumer, event, event) == [Outcome.ACK, Outcome.ACK]
    assert consumer.outcomes["duplicate"] == 1
    with engines["pilots"].connect() as connection:
        cases = connection.execute(sa.text("SELECT state, age_band FROM pilot_case")).all()
        entries = connection.execute(sa.text("SELECT kind FROM timeline_entry")).scalars().all()
    assert [tuple(c) for c in cases] == [("referred", "13-15")]
    assert entries == ["referral"]


@pytest.mark.usefixtures("pilots")
def test_out_of_order_and_duplicated_events_end_in_the_same_case_and_timeline(
    pilots_client: FlaskClient,
    settings: Settings,
    consumer: Consumer,
    engines: dict[str, Engine],
) -> None:
    def events(p: str) -> list[Envelope]:
        return [
            referral(p, on="2026-09-01"),
            participation(p, "2026-09-10T17:00:00+03:00"),
            outcome(p, "2026-09-05"),
            participation(p, "2026-09-03T17:00:00+03:00", attendance="absent"),
        ]

    in_order, shuffled = events("in-order"), events("shuffled")
    deliver(consumer, *in_order)
    deliver(consumer, shuffled[3], shuffled[1], shuffled[1], shuffled[2], shuffled[0], shuffled[3])
    headers = worker(settings)

    def view(p: str) -> tuple[Any, ...]:
        cid = case_id(engines["pilots"], p)
        case = pilots_client.get(f"/v1/cases/{cid}", headers=headers).get_json()
        line = pilots_client.get(f"/v1/cases/{cid}/timeline", headers=headers).get_json()
        return (
            case["state"],
            case["last_activity_at"],
            [(e["kind"], e["occurred_at"], e["summary"].get("attendance")) for e in line],
        )

    assert view("in-order") == view("shuffled")
    state, last, line = view("shuffled")
    assert state == "referred" and last.startswith("2026-09-10T14:00:00")
    assert [k for k, _, _ in line] == ["referral", "participation", "outcome", "participation"]
    assert [t for _, t, _ in line] == sorted(t for _, t, _ in line)


@pytest.mark.usefixtures("pilots")
def test_every_allowed_transition_is_recorded_and_every_other_is_refused(
    pilots_client: FlaskClient, settings: Settings, consumer: Consumer, engines: dict[str, Engine]
) -> None:
    headers = worker(settings)
    deliver(consumer, referral("young-2"), referral("young-3"))
    cid, declined = case_id(engines["pilots"], "young-2"), case_id(engines["pilots"], "young-3")

    assert_problem(move(pilots_client, headers, cid, "active"), 409)  # referred → active
    body = assert_problem(move(pilots_client, headers, cid, "closed"), 422)  # needs a reason
    assert [e["pointer"] for e in body["errors"]] == ["#/closing_reason"]
    path = [("enrolled", {}), ("active", {}), ("paused", {}), ("active", {}), ("follow_up", {})]
    for to, extra in path:
        r = move(pilots_client, headers, cid, to, **extra)
        assert r.status_code == 201, r.get_json()
        assert r.get_json()["state"] == to
    assert_problem(move(pilots_client, headers, cid, "paused"), 409)  # follow_up → paused
    r = move(pilots_client, headers, cid, "closed", closing_reason="goals_met")
    assert r.get_json()["state"] == "closed" and r.get_json()["allowed_transitions"] == []
    for to in ("referred", "enrolled", "active", "paused", "follow_up", "declined"):
        assert_problem(
            move(
                pilots_client,
                headers,
                cid,
                to,
                **({"closing_reason": "other"} if to == "declined" else {}),
            ),
            409,
        )

    r = move(pilots_client, headers, declined, "declined", closing_reason="client_declined")
    assert r.status_code == 201
    assert_problem(move(pilots_client, headers, declined, "enrolled"), 409)

    history = pilots_client.get(f"/v1/cases/{cid}/transitions", headers=headers).get_json()
    assert [(h["from_state"], h["to_state"]) for h in history] == [
        (None, "referred"),
        ("referred", "enrolled"),
        ("enrolled", "active"),
        ("active", "paused"),
        ("paused", "active"),
        ("active", "follow_up"),
        ("follow_up", "closed"),
    ]
    assert {(h["by_subject"], h["by_role"]) for h in history[1:]} == {("worker-1", "pilot_worker")}
    assert history[-1]["closing_reason"] == "goals_met" and history[1]["reason"] == "to enrolled"
    with engines["pilots"].connect() as connection:
        published = connection.execute(
            sa.text("SELECT count(*) FROM outbox WHERE event_type = 'case.transitioned'")
        ).scalar()
    assert published == 7  # six moves of one case, one of the other


@pytest.mark.usefixtures("pilots")
def test_the_first_attended_participation_after_enrolment_makes_the_case_active(
    pilots_client: FlaskClient, settings: Settings, consumer: Consumer, engines: dict[str, Engine]
) -> None:
    headers = worker(settings)
    before = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    later = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    deliver(consumer, referral("young-4"), participation("young-4", before))
    cid = case_id(engines["pilots"], "young-4")
    assert move(pilots_client, headers, cid, "enrolled").status_code == 201
    deliver(consumer, participation("young-4", later, attendance="absent"))
    assert pilots_client.get(f"/v1/cases/{cid}", headers=headers).get_json()["state"] == "enrolled"
    deliver(consumer, participation("young-4", later))
    case = pilots_client.get(f"/v1/cases/{cid}", headers=headers).get_json()
    assert case["state"] == "active"
    history = pilots_client.get(f"/v1/cases/{cid}/transitions", headers=headers).get_json()
    assert (history[-1]["by_role"], history[-1]["reason"]) == (
        "system",
        "first attended participation",
    )


@pytest.mark.usefixtures("pilots")
def test_a_case_is_seen_only_in_its_own_pilot_and_never_by_coordinators_or_integrations(
    pilots_client: FlaskClient, settings: Settings, consumer: Consumer, engines: dict[str, Engine]
) -> None:
    deliver(consumer, referral("young-5"), referral("young-6", pilot_id=SOUTH))
    north_case = case_id(engines["pilots"], "young-5")
    south = worker(settings, SOUTH, subject="worker-south")
    assert_problem(pilots_client.get(f"/v1/cases/{north_case}", headers=south), 404)
    assert_problem(pilots_client.get(f"/v1/cases/{north_case}/timeline", headers=south), 404)
    assert_problem(move(pilots_client, south, north_case, "enrolled"), 404)
    listed = pilots_client.get("/v1/cases", headers=south).get_json()["items"]
    assert [c["pilot_id"] for c in listed] == [SOUTH]
    for role in ("coordinator", "integration"):
        headers = bearer(settings, role, pilots=[NORTH])
        assert_problem(pilots_client.get(f"/v1/cases/{north_case}", headers=headers), 403)
        assert_problem(pilots_client.get("/v1/cases", headers=headers), 403)
    both = pilots_client.get("/v1/cases", headers=bearer(settings, "admin")).get_json()["items"]
    assert len(both) == 2
    assert all("pseudonym" not in c and "key_id" not in c for c in both)


@pytest.mark.usefixtures("pilots")
def test_every_client_level_access_is_audited_in_an_append_only_tamper_evident_log(
    pilots_client: FlaskClient, settings: Settings, consumer: Consumer, engines: dict[str, Engine]
) -> None:
    deliver(consumer, referral("young-7"))
    cid = case_id(engines["pilots"], "young-7")
    headers = worker(settings)
    pilots_client.get(f"/v1/cases/{cid}", headers=headers | {"X-Purpose": "supervision"})
    pilots_client.get("/v1/cases?state=referred", headers=headers)
    pilots_client.get(f"/v1/cases/{cid}/timeline", headers=headers)
    move(pilots_client, headers, cid, "enrolled")
    assert_problem(
        pilots_client.get(f"/v1/cases/{cid}", headers=headers | {"X-Purpose": "curiosity"}), 422
    )
    rows = audit_rows(engines["pilots"], cid)
    assert [(r.action, r.purpose) for r in rows] == [
        ("read", "supervision"),
        ("list", "case_work"),
        ("read_timeline", "case_work"),
        ("transition", "case_work"),
    ]
    assert {(r.subject, r.role, r.organisation, r.pilot_id) for r in rows} == {
        ("worker-1", "pilot_worker", "org-1", NORTH)
    }
    assert all(r.request_id for r in rows)

    with engines["pilots"].connect() as connection:
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            connection.execute(sa.text("UPDATE audit_entry SET subject = 'nobody'"))
        connection.rollback()
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            connection.execute(sa.text("DELETE FROM audit_entry"))
        connection.rollback()
    sessions = make_session_factory(engines["pilots"])
    with sessions() as session:
        assert audit.verify(session) == []
    # Someone who gets round the trigger (a superuser) and edits an entry breaks the chain.
    tampered = rows[0].id
    with engines["pilots"].begin() as connection:
        connection.execute(
            sa.text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only")
        )
        connection.execute(
            sa.text("UPDATE audit_entry SET subject = 'someone-else' WHERE id = :id"),
            {"id": tampered},
        )
    try:
        with sessions() as session:
            assert audit.verify(session) == [tampered]
    finally:
        with engines["pilots"].begin() as connection:
            connection.execute(
                sa.text("UPDATE audit_entry SET subject = 'worker-1' WHERE id = :id"),
                {"id": tampered},
            )
            connection.execute(
                sa.text("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_append_only")
            )


@pytest.mark.usefixtures("pilots")
def test_two_updates_from_one_etag_one_wins_and_the_other_gets_412(
    pilots_app: Flask, settings: Settings, consumer: Consumer, engines: dict[str, Engine]
) -> None:
    deliver(consumer, referral("young-8"))
    cid = case_id(engines["pilots"], "young-8")
    headers = worker(settings)
    client = pilots_app.test_client()
    assert_problem(
        client.patch(f"/v1/cases/{cid}", json={"responsible_worker": "w"}, headers=headers), 428
    )
    tag = client.get(f"/v1/cases/{cid}", headers=headers).headers["ETag"]
    barrier, statuses = threading.Barrier(2), []

    def update(name: str) -> None:
        own = pilots_app.test_client()
        barrier.wait()
        r = own.patch(
            f"/v1/cases/{cid}",
            json={"responsible_worker": name},
            headers=headers | {"If-Match": tag},
        )
        statuses.append(r.status_code)

    threads = [threading.Thread(target=update, args=(n,)) for n in ("worker-1", "worker-2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(statuses) == [200, 412]


@pytest.mark.usefixtures("pilots")
def test_tasks_and_the_scheduled_checks_fire_once_per_occurrence(
    pilots_client: FlaskClient, settings: Settings, consumer: Consumer, engines: dict[str, Engine]
) -> None:
    headers = worker(settings)
    long_ago = (datetime.now(UTC) - timedelta(days=40)).isoformat()
    deliver(consumer, referral("young-9", on=(date.today() - timedelta(days=41)).isoformat()))
    cid = case_id(engines["pilots"], "young-9")
    move(pilots_client, headers, cid, "enrolled")
    deliver(consumer, participation("young-9", long_ago))
    today = datetime.now(HELSINKI).date()  # the pilots' working day
    for title, due in (("call the family", today), ("school meeting", today - timedelta(days=2))):
        r = pilots_client.post(
            f"/v1/cases/{cid}/tasks",
            json={"title": title, "due_on": due.isoformat(), "assignee": "worker-1"},
            headers=headers,
        )
        assert r.status_code == 201
    tasks = pilots_client.get(f"/v1/cases/{cid}/tasks", headers=headers).get_json()
    assert [t["title"] for t in tasks] == ["school meeting", "call the family"]

    sessions = make_session_factory(engines["pilots"])

    def tick(now: datetime | None = None) -> list[str]:
        with UnitOfWork(sessions) as uow:
            published = run_checks(uow, now)
            uow.commit()
        return sorted(e.type for e in published)

    # a referral of 41 days ago that has just come is not idle yet, nor is the enrolled case (its
    # enrolment, just now, is its last activity); 15 days on, with nothing happening, both are
    deliver(consumer, referral("young-10", on=(date.today() - timedelta(days=41)).isoformat()))
    assert tick() == ["task.due", "task.overdue"]
    assert tick() == [] and tick() == []
    assert tick(datetime.now(UTC) + timedelta(days=15)) == [
        "case.idle",
        "case.idle",
        "task.overdue",
    ]
    assert tick(datetime.now(UTC) + timedelta(days=16)) == []

    done = tasks[0]
    one = pilots_client.get(f"/v1/cases/{cid}/tasks/{done['id']}", headers=headers)
    assert one.get_json()["title"] == "school meeting" and one.headers["ETag"] == '"1"'
    other_case = pilots_client.get(
        f"/v1/cases/{cid}/tasks/{done['id']}", headers=worker(settings, SOUTH)
    )
    assert other_case.status_code == 404
    r = pilots_client.patch(
        f"/v1/cases/{cid}/tasks/{done['id']}",
        json={"done": True},
        headers=headers | {"If-Match": f'"{done["version"]}"'},
    )
    assert r.status_code == 200 and r.get_json()["done_at"]
    # new activity (after the notice), then a new idle spell: a new notice
    deliver(
        consumer, participation("young-9", (datetime.now(UTC) + timedelta(days=16)).isoformat())
    )
    assert tick(datetime.now(UTC) + timedelta(days=29)) == []
    assert tick(datetime.now(UTC) + timedelta(days=31)) == ["case.idle"]


@pytest.mark.usefixtures("pilots")
def test_a_case_imported_with_its_history_is_idle_only_after_idle_days_in_this_system(
    consumer: Consumer, engines: dict[str, Engine]
) -> None:
    """A region's history imported today: a referral of two years ago and its participations,
    long past. The case has been quiet for two years, but in this system for a moment: it is
    idle only once it has been here for the pilot's ``idle_days`` (14) with nothing happening —
    once for that spell, however much more of its history arrives; new activity, then another
    quiet spell, is a new notice."""
    now = datetime.now(UTC)
    deliver(
        consumer, referral("young-history", on=(date.today() - timedelta(days=730)).isoformat())
    )
    deliver(consumer, participation("young-history", (now - timedelta(days=700)).isoformat()))
    cid = case_id(engines["pilots"], "young-history")
    sessions = make_session_factory(engines["pilots"])

    def idle(after: timedelta) -> list[str]:
        with UnitOfWork(sessions) as uow:
            published = run_checks(uow, now + after)
            uow.commit()
        return [e.data["case_id"] for e in published if e.type == EventType.CASE_IDLE]

    assert idle(timedelta(0)) == []  # its last activity is long ago, but it has just come
    assert idle(timedelta(days=13)) == []
    assert idle(timedelta(days=15)) == [cid]  # 14 days here with nothing happening
    assert idle(timedelta(days=16)) == []  # once per spell
    # A late record of an activity before that notice (within the spell it told of): no second
    # notice, although the spell now seems to start later.
    deliver(consumer, participation("young-history", (now + timedelta(days=1)).isoformat()))
    assert idle(timedelta(days=17)) == []
    # More of its history arrives (older than its coming here): still the same quiet spell.
    deliver(consumer, participation("young-history", (now - timedelta(days=600)).isoformat()))
    assert idle(timedelta(days=17)) == []
    # Something happens, then 14 quiet days again: a new spell, a new notice — once.
    deliver(consumer, participation("young-history", (now + timedelta(days=20)).isoformat()))
    assert idle(timedelta(days=33)) == []
    assert idle(timedelta(days=35)) == [cid]
    assert idle(timedelta(days=36)) == []
    with engines["pilots"].connect() as connection:
        occurrences = connection.execute(
            sa.text(
                "SELECT occurrence FROM scheduled_notice WHERE kind = 'case.idle' "
                "AND subject_id = :id ORDER BY occurrence"
            ),
            {"id": cid},
        ).scalars()
        assert len(list(occurrences)) == 2


@pytest.mark.usefixtures("pilots")
def test_referrals_published_by_intake_open_cases_through_rabbitmq_and_a_resent_one_opens_none(
    pilots_client: FlaskClient, settings: Settings, engines: dict[str, Engine]
) -> None:
    import pika

    from shared.messaging import topology
    from shared.messaging.outbox import OutboxRelay, pending_count
    from tests.support.probe import write_events
    from tests.support.workers import running, wait_until

    topology.declare(settings, [CASE_EVENTS.queue])
    events = [referral(f"broker-{n}") for n in range(3)]
    write_events(engines["intake"], events)
    connection = pika.BlockingConnection(topology.connection_parameters(settings))
    channel = connection.channel()
    channel.confirm_delivery()
    channel.basic_publish(  # as a relay re-sending after a crash would
        settings.events_exchange,
        events[0].type,
        events[0].to_json_bytes(),
        pika.BasicProperties(content_type=CONTENT_TYPE, delivery_mode=2),
    )
    connection.close()
    sessions = make_session_factory(engines["pilots"])
    consumer = Consumer(settings, CASE_EVENTS, lambda: UnitOfWork(sessions))
    with running(OutboxRelay(settings, engines["intake"], "intake")), running(consumer):
        wait_until(lambda: pending_count(engines["intake"]) == 0, 30, "publishing")
        wait_until(lambda: consumer.outcomes["duplicate"] == 1, 30, "the re-sent referral")
        wait_until(
            lambda: (
                len(pilots_client.get("/v1/cases", headers=worker(settings)).get_json()["items"])
                == 3
            ),
            30,
            "three cases",
        )
    with engines["pilots"].connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM pilot_case")).scalar() == 3


@pytest.mark.usefixtures("pilots")
def test_a_task_is_assigned_only_to_a_member_of_the_cases_pilot(
    pilots_client: FlaskClient, settings: Settings, consumer: Consumer, engines: dict[str, Engine]
) -> None:
    deliver(consumer, referral("young-11"))
    cid = case_id(engines["pilots"], "young-11")
    headers = worker(settings)
    for outsider in ("worker-south", "someone-anywhere"):  # another pilot's worker; nobody's
        body = assert_problem(
            pilots_client.post(
                f"/v1/cases/{cid}/tasks",
                json={"title": "call the family", "due_on": "2026-12-01", "assignee": outsider},
                headers=headers,
            ),
            422,
        )
        assert [e["pointer"] for e in body["errors"]] == ["#/assignee"]
        assert outsider not in str(body)
    assert pilots_client.get(f"/v1/cases/{cid}/tasks", headers=headers).get_json() == []
    for member in ("worker-2", "lead-north"):  # a worker or a lead of the case's pilot
        r = pilots_client.post(
            f"/v1/cases/{cid}/tasks",
            json={"title": "school meeting", "due_on": "2026-12-02", "assignee": member},
            headers=headers,
        )
        assert r.status_code == 201, r.get_json()


@pytest.mark.usefixtures("pilots")
def test_a_task_is_reassigned_only_to_a_member_of_the_cases_pilot(
    pilots_client: FlaskClient, settings: Settings, consumer: Consumer, engines: dict[str, Engine]
) -> None:
    deliver(consumer, referral("young-12"))
    cid = case_id(engines["pilots"], "young-12")
    headers = worker(settings)
    task = pilots_client.post(
        f"/v1/cases/{cid}/tasks",
        json={"title": "call the family", "due_on": "2026-12-01", "assignee": "worker-1"},
        headers=headers,
    ).get_json()
    path, tag = f"/v1/cases/{cid}/tasks/{task['id']}", {"If-Match": f'"{task["version"]}"'}
    body = assert_problem(
        pilots_client.patch(path, json={"assignee": "worker-south"}, headers=headers | tag), 422
    )
    assert [e["pointer"] for e in body["errors"]] == ["#/assignee"]
    assert "worker-south" not in str(body)
    assert pilots_client.get(path, headers=headers).get_json()["assignee"] == "worker-1"
    r = pilots_client.patch(path, json={"assignee": "worker-2"}, headers=headers | tag)
    assert r.status_code == 200 and r.get_json()["assignee"] == "worker-2"


@pytest.mark.usefixtures("pilots")
def test_the_responsible_worker_is_a_member_of_the_cases_pilot_or_no_one(
    pilots_client: FlaskClient, settings: Settings, consumer: Consumer, engines: dict[str, Engine]
) -> None:
    deliver(consumer, referral("young-13"))
    cid = case_id(engines["pilots"], "young-13")
    headers = worker(settings)
    path = f"/v1/cases/{cid}"
    body = assert_problem(
        pilots_client.patch(
            path,
            json={"responsible_worker": "worker-south"},
            headers=headers | {"If-Match": '"1"'},
        ),
        422,
    )
    assert [e["pointer"] for e in body["errors"]] == ["#/responsible_worker"]
    assert "worker-south" not in str(body)
    case = pilots_client.get(path, headers=headers)
    assert case.get_json()["responsible_worker"] is None and case.headers["ETag"] == '"1"'
    r = pilots_client.patch(
        path, json={"responsible_worker": "worker-2"}, headers=headers | {"If-Match": '"1"'}
    )
    assert r.status_code == 200 and r.get_json()["responsible_worker"] == "worker-2"
    r = pilots_client.patch(
        path, json={"responsible_worker": None}, headers=headers | {"If-Match": '"2"'}
    )
    assert r.status_code == 200 and r.get_json()["responsible_worker"] is None
