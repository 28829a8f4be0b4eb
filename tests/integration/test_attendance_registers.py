"""Recording by case (issue 12, use case 2) and attendance registers (use case 3): participations
and outcomes name a case of intake's case map instead of the young person — single, in lists and
in files — and a session's register records one participation per case, once, with later
changes recorded as corrections."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from services.intake.domain.hetu import parse_identity_code
from shared.config import Settings
from shared.messaging.consumer import Consumer
from shared.messaging.envelope import Envelope
from shared.messaging.events import EventType
from tests.integration.test_case_lookups import (
    case_anonymised,
    case_opened,
    open_case,
    pseudonymiser,
)
from tests.integration.test_intake_imports import headers as import_headers
from tests.integration.test_intake_imports import run_worker
from tests.support.api import assert_problem, bearer
from tests.support.consume import deliver
from tests.support.intake_data import hetu, outcome, participation, referral

pytestmark = pytest.mark.integration

NOT_OPEN = "Not an open case of this pilot."


def worker(settings: Settings, *pilots: str, role: str = "pilot_worker") -> dict[str, str]:
    return bearer(
        settings,
        role,
        pilots=list(pilots or ("pilot-a",)),
        subject="worker-1",
        organisation="org-a",
    )


def by_case(make: Any, n: int, case_id: str, **changes: Any) -> dict[str, Any]:
    """An item of ``make`` naming the case instead of the young person."""
    return make(n, personal_identity_code=None, case_id=case_id, **changes)


def outbox_events(engine: Engine) -> list[Envelope]:
    with engine.connect() as connection:
        payloads = connection.execute(sa.text("SELECT payload FROM outbox ORDER BY id")).scalars()
        return [Envelope.from_json_bytes(p) for p in payloads]


# --- use case 2: recording by case ----------------------------------------------------------------


def test_a_participation_and_an_outcome_name_a_case_and_carry_its_young_person(
    intake_client: FlaskClient, case_map: Consumer, settings: Settings, engines: dict[str, Engine]
) -> None:
    code = hetu(1)
    # The referral stated the young person's profile; the case pilots opened from it is mapped.
    assert (
        intake_client.post("/v1/referrals", json=referral(1), headers=worker(settings)).status_code
        == 201
    )
    case_id = open_case(case_map, settings, code)
    p = pseudonymiser(settings).of_identity_code(parse_identity_code(code))

    r = intake_client.post(
        "/v1/participations", json=by_case(participation, 1, case_id), headers=worker(settings)
    )
    assert r.status_code == 201, r.get_json()
    r = intake_client.post(
        "/v1/outcomes", json=by_case(outcome, 1, case_id), headers=worker(settings)
    )
    assert r.status_code == 201, r.get_json()
    by_code = intake_client.post(
        "/v1/participations",
        json=participation(2, personal_identity_code=code),
        headers=worker(settings),
    )
    assert by_code.status_code == 201
    _, took_part, measured, same_by_code = outbox_events(engines["intake"])
    for event in (took_part, measured):
        data = event.data
        assert (data["key_id"], data["pseudonym"]) == (p.key_id, p.value)
        assert (data["case_id"], data["identified_by"]) == (case_id, "case_id")
        assert (data["gender"], data["home_region"]) == ("female", "08")
    # The same age band as the identity code gives (from the stored birth year and month).
    assert took_part.data["age_band"] == same_by_code.data["age_band"]
    with engines["intake"].connect() as connection:
        stored = connection.execute(
            sa.text("SELECT key_id, pseudonym FROM intake_event WHERE kind <> 'referral'")
        ).all()
    assert {tuple(row) for row in stored} == {(p.key_id, p.value)}


def test_a_case_not_open_in_the_items_pilot_is_refused_on_case_id_without_saying_why(
    intake_client: FlaskClient, case_map: Consumer, settings: Settings
) -> None:
    own = open_case(case_map, settings, hetu(11))
    others = open_case(case_map, settings, hetu(12), pilot_id="pilot-b")
    gone = open_case(case_map, settings, hetu(13))
    deliver(case_map, case_anonymised(gone, "pilot-a"))
    items = [
        by_case(participation, 1, own),
        by_case(participation, 2, "no-such-case"),
        by_case(participation, 3, others),  # a case of pilot-b, in an item of pilot-a
        by_case(participation, 4, gone),
        participation(5, case_id=own),  # an identity code as well
        by_case(participation, 6, others, pilot_id="pilot-b", activity_id="pilot-b-act-0"),
        by_case(participation, 7, own, activity_id="pilot-b-act-0"),  # every bad field named
    ]
    r = intake_client.post("/v1/participations", json=items, headers=worker(settings, "pilot-a"))
    assert r.status_code == 200, r.get_json()
    results = r.get_json()["results"]
    assert [x["status"] for x in results] == ["accepted"] + ["rejected"] * 6
    for refused in results[1:4]:
        assert refused["errors"] == [{"pointer": "#/case_id", "detail": NOT_OPEN}]
    assert [e["pointer"] for e in results[4]["errors"]] == ["#/case_id"]
    # pilot-b is not the caller's: refused on its pilot, the case not looked at.
    assert results[5]["errors"] == [{"pointer": "#/pilot_id", "detail": "Not one of your pilots."}]
    assert [e["pointer"] for e in results[6]["errors"]] == ["#/activity_id"]

    lead = worker(settings, "pilot-a", "pilot-b", role="pilot_lead")
    single = intake_client.post("/v1/outcomes", json=by_case(outcome, 8, others), headers=lead)
    assert assert_problem(single, 422)["errors"] == [{"pointer": "#/case_id", "detail": NOT_OPEN}]
    with_key = intake_client.post(
        "/v1/outcomes",
        json=by_case(outcome, 8, others),
        headers=lead | {"Idempotency-Key": "by-case-8"},
    )
    assert assert_problem(with_key, 422)["errors"] == [{"pointer": "#/case_id", "detail": NOT_OPEN}]
    ok = intake_client.post(
        "/v1/outcomes", json=by_case(outcome, 9, others, pilot_id="pilot-b"), headers=lead
    )
    assert ok.status_code == 201, ok.get_json()
    # A referral names the young person, never a case.
    refused = intake_client.post("/v1/referrals", json=by_case(referral, 10, own), headers=lead)
    assert "#/case_id" in [e["pointer"] for e in assert_problem(refused, 422)["errors"]]


def test_recording_by_case_is_audited_once_per_request_with_the_cases_it_named(
    intake_client: FlaskClient, case_map: Consumer, settings: Settings, engines: dict[str, Engine]
) -> None:
    one, two = open_case(case_map, settings, hetu(31)), open_case(case_map, settings, hetu(32))
    auth = worker(settings, "pilot-a")
    items = [by_case(participation, 31, one), by_case(participation, 32, two)]
    assert intake_client.post("/v1/participations", json=items, headers=auth).status_code == 200
    single = intake_client.post("/v1/outcomes", json=by_case(outcome, 33, one), headers=auth)
    assert single.status_code == 201, single.get_json()
    # the same items again are duplicates: nothing new recorded, nothing new audited
    assert intake_client.post("/v1/participations", json=items, headers=auth).status_code == 200
    with engines["intake"].connect() as connection:
        rows = connection.execute(  # the log is append-only: other tests' entries stay
            sa.text(
                "SELECT subject, action, case_ids FROM audit_entry "
                "WHERE case_ids && CAST(:ids AS text[]) ORDER BY id"
            ),
            {"ids": [one, two]},
        ).all()
    assert [tuple(r) for r in rows] == [
        ("worker-1", "record_participation_by_case", sorted([one, two])),
        ("worker-1", "record_outcome_by_case", [one]),
    ]


def test_intakes_part_of_the_right_of_access_lists_who_processed_the_cases_here(
    intake_client: FlaskClient, case_map: Consumer, settings: Settings, engines: dict[str, Engine]
) -> None:
    mine, other = open_case(case_map, settings, hetu(41)), open_case(case_map, settings, hetu(42))
    auth = worker(settings, "pilot-a")
    found = intake_client.post(
        "/v1/case-lookups",
        json={"identity_code": hetu(41)},
        headers=auth | {"X-Purpose": "supervision"},
    )
    assert found.status_code == 200
    items = [by_case(participation, 41, mine), by_case(participation, 42, other)]
    assert intake_client.post("/v1/participations", json=items, headers=auth).status_code == 200
    admin = bearer(settings, "admin")
    asked = admin | {"X-Purpose": "client_request"}
    r = intake_client.post("/v1/access-report", json={"case_ids": [mine]}, headers=asked)
    assert r.status_code == 200, r.get_json()
    seen = [
        (e["subject"], e["action"], e["purpose"], e["case_ids"]) for e in r.get_json()["entries"]
    ]
    assert seen == [
        ("worker-1", "case_lookup", "supervision", [mine]),
        ("worker-1", "record_participation_by_case", "case_work", [mine]),  # not the other case
    ]
    printable = intake_client.post(
        "/v1/access-report", json={"case_ids": [mine]}, headers=asked | {"Accept": "text/csv"}
    )
    assert printable.mimetype == "text/csv" and "case_lookup" in printable.get_data(as_text=True)
    # itself audited; only for a client's request, only by an admin
    with engines["intake"].connect() as connection:
        last = connection.execute(
            sa.text("SELECT action, purpose, case_ids FROM audit_entry ORDER BY id DESC LIMIT 1")
        ).one()
    assert tuple(last) == ("access_report", "client_request", [mine])
    plain = intake_client.post("/v1/access-report", json={"case_ids": [mine]}, headers=admin)
    assert_problem(plain, 422)
    as_worker = auth | {"X-Purpose": "client_request"}
    assert_problem(
        intake_client.post("/v1/access-report", json={"case_ids": [mine]}, headers=as_worker), 403
    )


def test_a_closed_or_declined_case_is_still_found_but_named_by_no_item_any_more(
    intake_client: FlaskClient, case_map: Consumer, settings: Settings
) -> None:
    ended = open_case(case_map, settings, hetu(14))
    closed = Envelope.new(
        EventType.CASE_TRANSITIONED,
        "/turvaverkko/pilots",
        {"case_id": ended, "pilot_id": "pilot-a", "from_state": "active", "to_state": "closed",
         "closing_reason": "goals_met", "at": "2026-11-01T12:00:00+02:00"},
    )  # fmt: skip
    moved = Envelope.new(
        EventType.CASE_TRANSITIONED,
        "/turvaverkko/pilots",
        {"case_id": ended, "pilot_id": "pilot-a", "to_state": "paused", "at": "2026-10-01T12:00:00+03:00"},
    )  # fmt: skip
    auth = worker(settings, "pilot-a")
    before = intake_client.post(
        "/v1/participations", json=by_case(participation, 20, ended), headers=auth
    )
    assert before.status_code == 201, before.get_json()
    deliver(case_map, moved, closed, closed)
    r = intake_client.post(
        "/v1/participations", json=by_case(participation, 21, ended), headers=auth
    )
    assert assert_problem(r, 422)["errors"] == [{"pointer": "#/case_id", "detail": NOT_OPEN}]
    found = intake_client.post("/v1/case-lookups", json={"identity_code": hetu(14)}, headers=auth)
    [case] = found.get_json()["cases"]
    assert case["case_id"] == ended and case["ended_at"].startswith("2026-11-01T10:00:00")


def test_an_item_naming_a_case_carries_the_other_pseudonyms_the_case_is_known_by(
    intake_client: FlaskClient, case_map: Consumer, settings: Settings, engines: dict[str, Engine]
) -> None:
    p = pseudonymiser(settings).of_identity_code(parse_identity_code(hetu(21)))
    opened = case_opened(
        "pilot-a", "k2027", "b" * 64, earlier=[{"key_id": p.key_id, "pseudonym": p.value}]
    )
    deliver(case_map, opened)
    r = intake_client.post(
        "/v1/participations",
        json=by_case(participation, 21, opened.data["case_id"]),
        headers=worker(settings),
    )
    assert r.status_code == 201, r.get_json()
    [event] = outbox_events(engines["intake"])
    assert (event.data["key_id"], event.data["pseudonym"]) == ("k2027", "b" * 64)
    assert event.data["earlier_pseudonyms"] == {p.key_id: p.value}


def test_a_csv_file_names_cases_in_a_case_id_column(
    intake_app: Flask,
    intake_client: FlaskClient,
    case_map: Consumer,
    settings: Settings,
    engines: dict[str, Engine],
) -> None:
    case_id = open_case(case_map, settings, hetu(31))
    others = open_case(case_map, settings, hetu(32), pilot_id="pilot-b")
    body = (
        "source_system;source_id;pilot_id;case_id;activity_id;occurred_at;attendance;kind\r\n"
        f"apotti;C-1;pilot-a;{case_id};pilot-a-act-0;1.10.2026 16:30;osallistui;culture\r\n"
        f"apotti;C-2;pilot-a;{others};pilot-a-act-0;1.10.2026 16:30;osallistui;culture\r\n"
        f"apotti;C-3;pilot-a;;pilot-a-act-0;1.10.2026 16:30;osallistui;culture\r\n"
        f"apotti;C-4;pilot-a;no-such-case;pilot-a-act-0;1.10.2026 16:30;poissa;culture\r\n"
    )
    r = intake_client.post(
        "/v1/imports?kind=participation", data=body.encode(), headers=import_headers(settings)
    )
    assert r.status_code == 202, r.get_json()
    job_id = r.get_json()["id"]
    run_worker(intake_app)
    job = intake_client.get(f"/v1/imports/{job_id}", headers=import_headers(settings)).get_json()
    assert (job["status"], job["accepted"], job["rejected"]) == ("finished", 1, 3)
    report = intake_client.get(f"/v1/imports/{job_id}/errors", headers=import_headers(settings))
    rows = list(csv.reader(io.StringIO(report.get_data(as_text=True))))
    assert rows[1:] == [
        ["3", "case_id", NOT_OPEN],
        [
            "4",
            "personal_identity_code",
            "Identify the client by personal_identity_code, by client_system and client_id, "
            "or by case_id.",
        ],
        ["5", "case_id", NOT_OPEN],
    ]
    [event] = [e for e in outbox_events(engines["intake"]) if e.type == "participation.recorded"]
    assert event.data["case_id"] == case_id
    # In Finnish too; a participation file needs a way to name its young people.
    header = "lähdejärjestelmä;lähdetunniste;pilotti;tapaus;toiminto;ajankohta;läsnäolo;laji\r\n"
    finnish = (
        f"{header}apotti;C-5;pilot-a;{case_id};pilot-a-act-0;2.10.2026 16:30;poissa;culture\r\n"
    )
    r = intake_client.post(
        "/v1/imports?kind=participation", data=finnish.encode(), headers=import_headers(settings)
    )
    run_worker(intake_app)
    job = intake_client.get(f"/v1/imports/{r.get_json()['id']}", headers=import_headers(settings))
    assert (job.get_json()["status"], job.get_json()["accepted"]) == ("finished", 1)


# --- use case 3: attendance registers -------------------------------------------------------------

ACTIVITY = "pilot-a-act-0"  # a "group" activity of pilot-a in the seeded reference data
SESSIONS = f"/v1/activities/{ACTIVITY}/sessions"
START = "2026-10-01T16:00:00+03:00"


def register(*marks: tuple[str, str], starts_at: str = START, **extra: Any) -> dict[str, Any]:
    return {
        "starts_at": starts_at,
        "duration_minutes": 90,
        "attendance": [{"case_id": c, "attendance": a} for c, a in marks],
    } | extra


def participations(engine: Engine) -> list[Envelope]:
    return [e for e in outbox_events(engine) if e.type == "participation.recorded"]


def test_a_register_records_one_participation_per_case_and_the_same_register_nothing_new(
    intake_client: FlaskClient, case_map: Consumer, settings: Settings, engines: dict[str, Engine]
) -> None:
    cases = [open_case(case_map, settings, hetu(n)) for n in (41, 42, 43)]
    marks = list(zip(cases, ["attended", "absent", "cancelled"], strict=True))
    r = intake_client.post(SESSIONS, json=register(*marks), headers=worker(settings))
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert (body["accepted"], body["corrected"], body["duplicates"]) == (3, 0, 0)
    assert [(x["index"], x["case_id"], x["status"]) for x in body["results"]] == [
        (i, c, "accepted") for i, c in enumerate(cases)
    ]
    events = participations(engines["intake"])
    assert [e.id for e in events] == [x["event_id"] for x in body["results"]]
    for event, (case_id, attendance) in zip(events, marks, strict=True):
        data = event.data
        assert (data["case_id"], data["attendance"], data["activity_id"]) == (
            case_id,
            attendance,
            ACTIVITY,
        )
        assert (data["occurred_at"], data["duration_minutes"]) == (START, 90)
        assert (data["kind"], data["source_system"]) == ("service", "turvaverkko-register")
        assert "corrects" not in data

    # The same register again — its start written in another zone — stores nothing new.
    again = intake_client.post(
        SESSIONS, json=register(*marks, starts_at="2026-10-01T13:00:00Z"), headers=worker(settings)
    )
    assert again.status_code == 200, again.get_json()
    assert (again.get_json()["accepted"], again.get_json()["duplicates"]) == (0, 3)
    assert [x["event_id"] for x in again.get_json()["results"]] == [e.id for e in events]
    assert len(participations(engines["intake"])) == 3

    current = intake_client.get(f"{SESSIONS}/2026-10-01T13:00:00Z", headers=worker(settings))
    assert current.status_code == 200, current.get_json()
    view = current.get_json()
    assert (view["activity_id"], view["pilot_id"], view["duration_minutes"], view["kind"]) == (
        ACTIVITY,
        "pilot-a",
        90,
        "service",
    )
    assert view["starts_at"] == "2026-10-01T13:00:00+00:00"
    assert view["attendance"] == sorted(
        (
            {"case_id": c, "attendance": a, "event_id": e.id}
            for (c, a), e in zip(marks, events, strict=True)
        ),
        key=lambda m: m["case_id"],
    )


def test_a_changed_mark_is_recorded_as_a_correction_and_the_earlier_event_stays(
    intake_client: FlaskClient, case_map: Consumer, settings: Settings, engines: dict[str, Engine]
) -> None:
    one, two, three = (open_case(case_map, settings, hetu(n)) for n in (51, 52, 53))
    first = intake_client.post(
        SESSIONS,
        json=register((one, "attended"), (two, "absent"), (three, "attended")),
        headers=worker(settings),
    ).get_json()
    earlier = {x["case_id"]: x["event_id"] for x in first["results"]}
    # Later the worker learns that two came after all; three is not in this register at all.
    r = intake_client.post(
        SESSIONS, json=register((two, "attended"), (one, "attended")), headers=worker(settings)
    )
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert (body["accepted"], body["corrected"], body["duplicates"]) == (0, 1, 1)
    corrected, same = body["results"]
    assert (corrected["case_id"], corrected["status"], corrected["corrects"]) == (
        two,
        "corrected",
        earlier[two],
    )
    assert (same["status"], same["event_id"]) == ("duplicate", earlier[one])
    events = participations(engines["intake"])
    assert len(events) == 4
    correction = events[-1]
    assert correction.id == corrected["event_id"] != earlier[two]
    assert (correction.data["corrects"], correction.data["attendance"]) == (
        earlier[two],
        "attended",
    )
    with engines["intake"].connect() as connection:
        kept = connection.execute(
            sa.text("SELECT count(*) FROM intake_event WHERE id = :id"), {"id": earlier[two]}
        ).scalar()
    assert kept == 1
    view = intake_client.get(f"{SESSIONS}/{START}", headers=worker(settings)).get_json()
    assert {m["case_id"]: (m["attendance"], m["event_id"]) for m in view["attendance"]} == {
        one: ("attended", earlier[one]),
        two: ("attended", corrected["event_id"]),
        three: ("attended", earlier[three]),
    }
    # The session's duration or kind changed: every case listed gets its correction.
    longer = intake_client.post(
        SESSIONS,
        json=register((one, "attended"), duration_minutes=120, kind="sports"),
        headers=worker(settings),
    ).get_json()
    assert [(x["status"], x["corrects"]) for x in longer["results"]] == [
        ("corrected", earlier[one])
    ]
    latest = participations(engines["intake"])[-1].data
    assert (latest["duration_minutes"], latest["kind"]) == (120, "sports")


def test_two_identical_registers_at_once_record_each_case_once(
    intake_app: Flask, case_map: Consumer, settings: Settings, engines: dict[str, Engine]
) -> None:
    import threading

    cases = [open_case(case_map, settings, hetu(n)) for n in range(60, 66)]
    body = register(*[(c, "attended") for c in cases])
    barrier = threading.Barrier(2)
    answers: list[int] = []

    def send() -> None:
        client = intake_app.test_client()
        barrier.wait()
        answers.append(client.post(SESSIONS, json=body, headers=worker(settings)).status_code)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert answers == [200, 200]
    assert len(participations(engines["intake"])) == len(cases)


def test_bad_entries_are_named_and_nothing_of_the_register_is_recorded(
    intake_client: FlaskClient, case_map: Consumer, settings: Settings, engines: dict[str, Engine]
) -> None:
    own = open_case(case_map, settings, hetu(71))
    others = open_case(case_map, settings, hetu(72), pilot_id="pilot-b")
    gone = open_case(case_map, settings, hetu(73))
    deliver(case_map, case_anonymised(gone, "pilot-a"))
    marks = [(own, "attended"), ("no-such-case", "attended"), (others, "absent"), (own + "x", "x")]
    r = intake_client.post(
        SESSIONS, json=register(*marks[:3], (gone, "absent")), headers=worker(settings)
    )
    assert assert_problem(r, 422)["errors"] == [
        {"pointer": f"#/attendance/{i}/case_id", "detail": NOT_OPEN} for i in (1, 2, 3)
    ]
    bad = intake_client.post(
        SESSIONS,
        json=register((own, "late"), (own, "attended"), starts_at="2026-10-01T16:00:00")
        | {"duration_minutes": -1, "kind": "party"},
        headers=worker(settings),
    )
    assert {e["pointer"] for e in assert_problem(bad, 422)["errors"]} == {
        "#/starts_at",
        "#/duration_minutes",
        "#/kind",
        "#/attendance/0/attendance",
    }
    twice = intake_client.post(
        SESSIONS, json=register((own, "attended"), (own, "absent")), headers=worker(settings)
    )
    assert assert_problem(twice, 422)["errors"] == [
        {"pointer": "#/attendance/1/case_id", "detail": "Given more than once in this register."}
    ]
    future = intake_client.post(
        SESSIONS,
        json=register((own, "attended"), starts_at="2999-01-01T10:00:00Z"),
        headers=worker(settings),
    )
    assert [e["pointer"] for e in assert_problem(future, 422)["errors"]] == ["#/starts_at"]
    empty = intake_client.post(SESSIONS, json=register(), headers=worker(settings))
    assert [e["pointer"] for e in assert_problem(empty, 422)["errors"]] == ["#/attendance"]
    assert participations(engines["intake"]) == []
    with engines["intake"].connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM attendance_session")).scalar() == 0
    assert_problem(intake_client.get(f"{SESSIONS}/{START}", headers=worker(settings)), 404)


def test_only_the_activitys_pilot_records_and_reads_its_registers_and_each_is_audited(
    intake_client: FlaskClient, case_map: Consumer, settings: Settings, engines: dict[str, Engine]
) -> None:
    from tests.integration.test_case_lookups import audit_entries, last_audit_id

    since = last_audit_id(engines["intake"])
    case_id = open_case(case_map, settings, hetu(81))
    body = register((case_id, "attended"))
    for auth in (
        worker(settings, "pilot-b"),
        worker(settings, "pilot-b", role="pilot_lead"),
        bearer(settings, "coordinator"),
        bearer(settings, "integration", pilots=["pilot-a"]),
    ):
        assert_problem(intake_client.post(SESSIONS, json=body, headers=auth), 403)
        assert_problem(intake_client.get(f"{SESSIONS}/{START}", headers=auth), 403)
    unknown = "/v1/activities/no-such-activity/sessions"
    assert_problem(intake_client.post(unknown, json=body, headers=worker(settings)), 404)
    foreign_case = intake_client.post(
        "/v1/activities/pilot-b-act-0/sessions", json=body, headers=worker(settings, "pilot-b")
    )
    assert assert_problem(foreign_case, 422)["errors"] == [
        {"pointer": "#/attendance/0/case_id", "detail": NOT_OPEN}
    ]
    assert (
        intake_client.post(SESSIONS, json=body, headers=bearer(settings, "admin")).status_code
        == 200
    )
    r = intake_client.get(
        f"{SESSIONS}/{START}", headers=worker(settings) | {"X-Purpose": "supervision"}
    )
    assert r.status_code == 200
    for start in ("2026-10-01T16:00:00", "yesterday", "2999-01-01T00:00:00Z"):
        naive = intake_client.get(f"{SESSIONS}/{start}", headers=worker(settings))
        assert [e.get("parameter") for e in assert_problem(naive, 422)["errors"]] == ["starts_at"]
    assert_problem(
        intake_client.get(f"{SESSIONS}/2026-10-02T16:00:00Z", headers=worker(settings)), 404
    )
    entries = audit_entries(engines["intake"], since)
    assert [(e["action"], e["role"], e["purpose"], e["case_ids"]) for e in entries] == [
        ("attendance_recorded", "admin", "case_work", [case_id]),
        ("attendance_read", "pilot_worker", "supervision", [case_id]),
    ]
