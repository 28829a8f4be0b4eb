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
