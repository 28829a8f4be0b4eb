"""An import's per-row results (``GET /v1/imports/{id}/results``): every row of the file with its
source pair, its outcome — accepted (with its event), duplicate (with the stored event), rejected
(once per error, with field and message) — and never a value of a row: a rejected row's source
pair only if it is valid, no identity code, every cell safe to open in a spreadsheet.

All data is synthetic (``tests.support.intake_data``)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from shared.auth import mint_dev_token
from shared.config import Settings
from tests.integration.test_intake_imports import headers, run_worker
from tests.support.api import assert_problem, bearer
from tests.support.intake_data import hetu, participation, referral

pytestmark = pytest.mark.integration

HEADER = ["row", "source_system", "source_id", "outcome", "event_id", "field", "message"]
#: An identity code sent as a source id (with a space: not a valid id): never told back.
CODE_AS_SOURCE_ID = f"{hetu(3)} x"

LINES = [
    participation(1),  # 1 accepted
    participation(2, personal_identity_code=hetu(2)[:-1] + "Q"),  # 2 rejected: a bad code
    participation(3, source_id=CODE_AS_SOURCE_ID),  # 3 rejected: a bad source id
    participation(1),  # 4 duplicate of row 1
    participation(5, pilot_id="pilot-c"),  # 5 rejected: not the uploader's pilot
    "{broken",  # 6 rejected: unreadable
    participation(7, source_id="+7"),  # 7 accepted: an id a spreadsheet would run as a formula
    participation(8),  # 8 accepted
]


def ndjson(lines: list[Any]) -> str:
    return "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n"


def upload(client: FlaskClient, settings: Settings, body: str) -> str:
    r = client.post(
        "/v1/imports?kind=participation",
        data=body,
        headers=headers(settings, content_type="application/x-ndjson"),
    )
    assert r.status_code == 202, r.get_json()
    return str(r.get_json()["id"])


def results(
    client: FlaskClient, settings: Settings, job_id: str, query: str = ""
) -> list[list[str]]:
    r = client.get(f"/v1/imports/{job_id}/results{query}", headers=headers(settings))
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.mimetype == "text/csv"
    assert r.headers["Content-Disposition"] == f'attachment; filename="import-{job_id}-results.csv"'
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True))))
    assert rows[0] == HEADER
    return rows[1:]


def event_ids(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT source_id, id FROM intake_event")).all()
    return {source_id: event_id for source_id, event_id in rows}


@pytest.mark.parametrize(
    ("preparers", "batch_size"),
    [(0, 1000), (2, 3)],
    ids=["in-process", "two-preparer-processes-small-batches"],
)
def test_every_row_has_its_outcome_source_and_event_and_no_value_is_told_back(
    intake_app: Flask,
    intake_client: FlaskClient,
    settings: Settings,
    engines: dict[str, Engine],
    preparers: int,
    batch_size: int,
) -> None:
    job_id = upload(intake_client, settings, ndjson(LINES))
    run_worker(intake_app, batch_size=batch_size, preparers=preparers)
    events = event_ids(engines["intake"])
    assert set(events) == {"P-1", "+7", "P-8"}

    rows = results(intake_client, settings, job_id)
    assert [row[:6] for row in rows] == [
        ["1", "apotti-test", "P-1", "accepted", events["P-1"], ""],
        ["2", "apotti-test", "P-2", "rejected", "", "personal_identity_code"],
        ["3", "apotti-test", "", "rejected", "", "source_id"],
        ["4", "apotti-test", "P-1", "duplicate", events["P-1"], ""],
        ["5", "apotti-test", "P-5", "rejected", "", "pilot_id"],
        ["6", "", "", "rejected", "", ""],
        ["7", "apotti-test", "'+7", "accepted", events["+7"], ""],
        ["8", "apotti-test", "P-8", "accepted", events["P-8"], ""],
    ]
    assert all(row[6] for row in rows if row[3] == "rejected")  # each error's message
    assert not any(row[6] for row in rows if row[3] != "rejected")
    text = "\n".join(",".join(row) for row in rows)
    for value in (hetu(1), hetu(2)[:-1], hetu(3), hetu(5), "{broken", "pilot-c"):
        assert value not in text

    # The same rows sent again: duplicates, each naming the event the first import stored.
    again = upload(intake_client, settings, ndjson([LINES[0], LINES[7], LINES[2]]))
    run_worker(intake_app, batch_size=batch_size, preparers=preparers)
    assert [row[:5] for row in results(intake_client, settings, again)] == [
        ["1", "apotti-test", "P-1", "duplicate", events["P-1"]],
        ["2", "apotti-test", "P-8", "duplicate", events["P-8"]],
        ["3", "apotti-test", "", "rejected", ""],
    ]
    progress = intake_client.get(f"/v1/imports/{again}", headers=headers(settings)).get_json()
    assert (progress["accepted"], progress["duplicates"], progress["rejected"]) == (0, 2, 1)


def test_results_of_one_outcome_and_a_bad_outcome_named_without_its_value(
    intake_app: Flask, intake_client: FlaskClient, settings: Settings
) -> None:
    job_id = upload(intake_client, settings, ndjson(LINES))
    run_worker(intake_app)
    outcomes = {
        outcome: [row[0] for row in results(intake_client, settings, job_id, f"?outcome={outcome}")]
        for outcome in ("accepted", "duplicate", "rejected")
    }
    assert outcomes == {
        "accepted": ["1", "7", "8"],
        "duplicate": ["4"],
        "rejected": ["2", "3", "5", "6"],
    }
    for query in ("?outcome=accepted-or-not", "?outcome=rejected&colour=red"):
        r = intake_client.get(f"/v1/imports/{job_id}/results{query}", headers=headers(settings))
        assert r.status_code == 422 and r.mimetype == "application/problem+json"
        assert "accepted-or-not" not in r.get_data(as_text=True)
        assert r.get_json()["errors"], r.get_json()


def test_a_rejected_row_with_two_errors_has_a_line_for_each(
    intake_app: Flask, intake_client: FlaskClient, settings: Settings
) -> None:
    bad = participation(1, personal_identity_code="010101-0000", duration_minutes=-5)
    job_id = upload(intake_client, settings, ndjson([bad]))
    run_worker(intake_app)
    rows = results(intake_client, settings, job_id)
    assert sorted(row[5] for row in rows) == ["duration_minutes", "personal_identity_code"]
    assert {tuple(row[:5]) for row in rows} == {("1", "apotti-test", "P-1", "rejected", "")}
    assert "010101-0000" not in str(rows)


def test_results_are_seen_by_whom_the_import_is_seen_by_only(
    intake_app: Flask, intake_client: FlaskClient, settings: Settings
) -> None:
    job_id = upload(intake_client, settings, ndjson(LINES[:1]))
    run_worker(intake_app)
    path = f"/v1/imports/{job_id}/results"

    def caller(role: str, org: str, *pilots: str) -> dict[str, str]:
        token = mint_dev_token(
            settings, role, pilots=list(pilots), subject=f"{role}-x", organisation=org
        )
        return {"Authorization": f"Bearer {token}"}

    assert intake_client.get(path, headers=caller("integration", "org-pirha")).status_code == 200
    assert (
        intake_client.get(path, headers=caller("pilot_lead", "org-pirha", "pilot-a")).status_code
        == 200
    )
    for stranger in (
        caller("integration", "org-other", "pilot-a"),
        caller("pilot_lead", "org-pirha", "pilot-c"),
    ):
        r = intake_client.get(path, headers=stranger)
        assert r.status_code == 404 and r.mimetype == "application/problem+json"
    assert (
        intake_client.get(path, headers=caller("pilot_worker", "org-pirha", "pilot-a")).status_code
        == 403
    )
    missing = intake_client.get("/v1/imports/no-such-import/results", headers=headers(settings))
    assert missing.status_code == 404


def test_an_accepted_items_source_id_may_not_be_an_identity_code(
    intake_client: FlaskClient, settings: Settings
) -> None:
    """A source id is published with the event (and to the referring system's webhook): one that
    is a valid henkilötunnus is refused, named by its pointer, never echoed."""
    code = hetu(11)
    auth = bearer(settings, "integration", pilots=["pilot-a"], organisation="org-a")
    r = intake_client.post("/v1/referrals", json=referral(11, source_id=code), headers=auth)
    body = assert_problem(r, 422)
    assert {e["pointer"] for e in body["errors"]} == {"#/source_id"}
    assert code not in r.get_data(as_text=True)


def test_a_rejected_rows_source_id_that_is_an_identity_code_is_neither_kept_nor_told(
    intake_app: Flask, intake_client: FlaskClient, settings: Settings, engines: dict[str, Engine]
) -> None:
    """A file whose columns were mapped wrong carries the identity code as its source id: its
    rows are rejected, and the code is stored nowhere in clear and never told back."""
    codes = [hetu(9), hetu(10)]
    lines = [
        participation(9, source_id=codes[0], activity_id="no-such-activity"),  # by reference
        participation(10, source_id=codes[1], personal_identity_code="not-a-code"),  # by schema
    ]
    job_id = upload(intake_client, settings, ndjson(lines))
    run_worker(intake_app)
    rows = results(intake_client, settings, job_id)
    # each row rejected (the second for its code too: a line per error), its source id not told
    assert sorted({tuple(row[:5]) for row in rows}) == [
        ("1", "apotti-test", "", "rejected", ""),
        ("2", "apotti-test", "", "rejected", ""),
    ]
    assert "source_id" in {row[5] for row in rows}  # a source id may not be an identity code
    with engines["intake"].connect() as connection:
        tables = connection.execute(
            sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ).scalars()
        stored = "\n".join(
            row
            for table in list(tables)
            if table != "import_chunk"  # the sealed file, erased once the import ended
            for row in connection.execute(sa.text(f'SELECT t::text FROM "{table}" t')).scalars()
        )
    assert not [code for code in codes if code in stored]
