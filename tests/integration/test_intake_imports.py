"""Bulk imports: a CSV or NDJSON file is streamed into intake's database, answered with 202 and a
job, processed by the import worker through the same checks as API items, with progress and a
CSV of rejected rows that never repeats a value."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from services.intake.usecases.importing import CheckpointMoved
from services.intake.workers.imports import ImportWorker
from shared.auth import mint_dev_token
from shared.config import Settings
from shared.messaging.envelope import Envelope
from tests.support.intake_data import hetu, participation
from tests.support.workers import wait_until

pytestmark = pytest.mark.integration


def headers(
    settings: Settings,
    subject: str = "apotti-integration",
    org: str = "org-pirha",
    content_type: str = "text/csv",
) -> dict[str, str]:
    token = mint_dev_token(
        settings, "integration", pilots=["pilot-a"], subject=subject, organisation=org
    )
    return {"Authorization": f"Bearer {token}", "Content-Type": content_type}


def run_worker(intake_app: Flask, batch_size: int = 1000, preparers: int = 0) -> ImportWorker:
    context = intake_app.extensions["turvaverkko"]
    worker = ImportWorker(
        context.engine,
        intake_app.extensions["intake"],
        batch_size=batch_size,
        preparers=preparers,
        settings=context.settings,
    )
    with intake_app.extensions["turvaverkko"].engine.connect() as connection:
        queued = (
            connection.execute(
                sa.text("SELECT id FROM import_job WHERE status IN ('queued', 'running')")
            )
            .scalars()
            .all()
        )
    try:
        for job_id in queued:
            job = _job(intake_app, job_id)
            worker.process(job)
    finally:
        worker.close()
    return worker


def _job(intake_app: Flask, job_id: str) -> Any:
    from services.intake.store import imports

    job = imports.claim(intake_app.extensions["turvaverkko"].engine)
    assert job is not None and job.id == job_id
    return job


FINNISH_CSV = (
    "lähdejärjestelmä;lähdetunniste;pilotti;henkilötunnus;toiminto;ajankohta;kesto_min;"
    "läsnäolo;osallistumisen_laji\r\n"
    f"apotti;P-1;pilot-a;{hetu(1)};pilot-a-act-0;1.10.2026 16:30;90;osallistui;guided_leisure\r\n"
    f"apotti;P-2;pilot-a;{hetu(2)[:-1]}Q;pilot-a-act-0;2.10.2026 16:30;90;osallistui;culture\r\n"
    f"apotti;P-3;pilot-a;{hetu(3)};pilot-a-act-0;3.10.2026 16:30;90;poissa;culture;extra\r\n"
    f"apotti;P-1;pilot-a;{hetu(1)};pilot-a-act-0;1.10.2026 16:30;90;osallistui;guided_leisure\r\n"
    f"apotti;P-4;pilot-a;{hetu(4)};pilot-a-act-1;4.10.2026 9:00;45;peruttu;sports\r\n"
)


def test_a_finnish_excel_csv_is_imported_with_progress_and_an_error_report_without_values(
    intake_app: Flask, intake_client: FlaskClient, settings: Settings, engines: dict[str, Engine]
) -> None:
    r = intake_client.post(
        "/v1/imports?kind=participation",
        data=FINNISH_CSV.encode("cp1252"),
        headers=headers(settings),
    )
    assert r.status_code == 202, r.get_json()
    job = r.get_json()
    assert job["status"] == "queued" and r.headers["Location"] == f"/v1/imports/{job['id']}"

    run_worker(intake_app)
    progress = intake_client.get(f"/v1/imports/{job['id']}", headers=headers(settings)).get_json()
    assert progress["status"] == "finished"
    assert (
        progress["rows_read"],
        progress["accepted"],
        progress["duplicates"],
        progress["rejected"],
    ) == (5, 2, 1, 2)

    report = intake_client.get(f"/v1/imports/{job['id']}/errors", headers=headers(settings))
    assert report.mimetype == "text/csv"
    lines = report.get_data(as_text=True).splitlines()
    assert lines[0] == "row,field,message"
    assert [line.split(",")[:2] for line in lines[1:]] == [
        ["3", "personal_identity_code"],
        ["4", ""],
    ]
    text = report.get_data(as_text=True)
    assert hetu(2)[:-1] not in text and hetu(3) not in text and "extra" not in text

    with engines["intake"].connect() as connection:
        imported = connection.execute(
            sa.text("SELECT count(*) FROM intake_event WHERE import_id = :id"), {"id": job["id"]}
        ).scalar()
        events = [
            Envelope.from_json_bytes(p)
            for p in connection.execute(sa.text("SELECT payload FROM outbox ORDER BY id")).scalars()
        ]
    assert imported == 2
    finished = [e for e in events if e.type == "import.finished"]
    assert len(finished) == 1 and finished[0].data["accepted"] == 2
    assert finished[0].data["uploaded_by"] == "apotti-integration"
    attendance = [e.data["attendance"] for e in events if e.type == "participation.recorded"]
    assert attendance == ["attended", "cancelled"]


@pytest.mark.parametrize(
    ("preparers", "batch_size"),
    [(0, 1000), (2, 7)],
    ids=["in-process", "two-preparer-processes-small-batches"],
)
def test_ndjson_is_imported_and_a_replay_of_the_same_file_only_finds_duplicates(
    intake_app: Flask,
    intake_client: FlaskClient,
    settings: Settings,
    engines: dict[str, Engine],
    preparers: int,
    batch_size: int,
) -> None:
    body = "\n".join(json.dumps(participation(i)) for i in range(30)) + "\n\n{broken\n"
    ids = []
    for _ in range(2):
        r = intake_client.post(
            "/v1/imports?kind=participation",
            data=body,
            headers=headers(settings, content_type="application/x-ndjson"),
        )
        assert r.status_code == 202
        ids.append(r.get_json()["id"])
        run_worker(intake_app, batch_size=batch_size, preparers=preparers)
    first, second = (
        intake_client.get(f"/v1/imports/{i}", headers=headers(settings)).get_json() for i in ids
    )
    assert (first["accepted"], first["rejected"]) == (30, 1)
    assert (second["accepted"], second["duplicates"], second["rejected"]) == (0, 30, 1)
    with engines["intake"].connect() as connection:
        checkpoints = connection.execute(sa.text("SELECT checkpoint_row FROM import_job")).scalars()
        sources = connection.execute(
            sa.text("SELECT source_id FROM intake_event ORDER BY source_id")
        ).scalars()
        assert set(checkpoints) == {32}  # the last line read, wherever the batches were prepared
        assert list(sources) == sorted(participation(i)["source_id"] for i in range(30))
    report = intake_client.get(f"/v1/imports/{ids[0]}/errors", headers=headers(settings))
    assert [line.split(",")[0] for line in report.get_data(as_text=True).splitlines()[1:]] == ["32"]


def test_a_batch_never_commits_past_a_checkpoint_it_did_not_start_from(
    intake_app: Flask, intake_client: FlaskClient, settings: Settings, engines: dict[str, Engine]
) -> None:
    """Another worker (one that took the job over) has moved the checkpoint: this worker's
    batch is refused whole, so no row is counted twice and none is skipped."""
    body = "\n".join(json.dumps(participation(i)) for i in range(30))
    job_id = intake_client.post(
        "/v1/imports?kind=participation",
        data=body,
        headers=headers(settings, content_type="application/x-ndjson"),
    ).get_json()["id"]
    stale = _job(intake_app, job_id)  # as claimed: checkpoint 0
    context = intake_app.extensions["turvaverkko"]
    with context.engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE import_job SET checkpoint_row = 10, rows_read = 10 WHERE id = :id"),
            {"id": job_id},
        )
    worker = ImportWorker(context.engine, intake_app.extensions["intake"], batch_size=10)
    with pytest.raises(CheckpointMoved):
        worker.process(stale)
    worker.close()
    with engines["intake"].connect() as connection:
        rows_read = connection.execute(sa.text("SELECT rows_read FROM import_job")).scalar()
        stored = connection.execute(sa.text("SELECT count(*) FROM intake_event")).scalar()
    assert (rows_read, stored) == (10, 0)


def test_a_worker_stopped_mid_file_leaves_a_checkpoint_and_the_next_one_resumes_after_it(
    intake_app: Flask, intake_client: FlaskClient, settings: Settings
) -> None:
    body = "\n".join(json.dumps(participation(i)) for i in range(250))
    job_id = intake_client.post(
        "/v1/imports?kind=participation",
        data=body,
        headers=headers(settings, content_type="application/x-ndjson"),
    ).get_json()["id"]
    stopping = ImportWorker(
        intake_app.extensions["turvaverkko"].engine, intake_app.extensions["intake"], batch_size=100
    )
    stopping.stop()  # asked to stop: it finishes the batch in hand, then gives the job back
    stopping.process(_job(intake_app, job_id))
    halfway = intake_client.get(f"/v1/imports/{job_id}", headers=headers(settings)).get_json()
    assert (halfway["status"], halfway["rows_read"], halfway["accepted"]) == ("queued", 100, 100)

    run_worker(intake_app, batch_size=100)
    done = intake_client.get(f"/v1/imports/{job_id}", headers=headers(settings)).get_json()
    assert (done["status"], done["rows_read"], done["accepted"], done["duplicates"]) == (
        "finished",
        250,
        250,
        0,
    )


def test_a_file_without_a_required_column_fails_the_job_with_a_reason_and_an_event(
    intake_app: Flask, intake_client: FlaskClient, settings: Settings, engines: dict[str, Engine]
) -> None:
    body = "source_system,source_id,personal_identity_code\r\napotti,P-1," + hetu(1) + "\r\n"
    job_id = intake_client.post(
        "/v1/imports?kind=participation", data=body, headers=headers(settings)
    ).get_json()["id"]
    run_worker(intake_app)
    job = intake_client.get(f"/v1/imports/{job_id}", headers=headers(settings)).get_json()
    assert job["status"] == "failed" and "pilot_id" in job["failure"]
    assert hetu(1) not in job["failure"]
    with engines["intake"].connect() as connection:
        types = connection.execute(sa.text("SELECT event_type FROM outbox")).scalars().all()
    assert types == ["import.failed"]


def test_uploads_need_a_kind_a_file_type_and_are_visible_to_their_organisation_only(
    intake_client: FlaskClient, settings: Settings
) -> None:
    assert (
        intake_client.post("/v1/imports", data="a,b", headers=headers(settings)).status_code == 422
    )
    r = intake_client.post(
        "/v1/imports?kind=referral",
        data="a,b",
        headers=headers(settings, content_type="application/pdf"),
    )
    assert r.status_code == 415
    job_id = intake_client.post(
        "/v1/imports?kind=referral", data="a,b", headers=headers(settings)
    ).get_json()["id"]
    colleague = headers(settings, subject="someone-else", org="org-pirha")
    stranger = headers(settings, subject="another-county", org="org-other")
    assert intake_client.get(f"/v1/imports/{job_id}", headers=colleague).status_code == 200
    assert intake_client.get(f"/v1/imports/{job_id}", headers=stranger).status_code == 404
    assert intake_client.get(f"/v1/imports/{job_id}/errors", headers=stranger).status_code == 404
    assert intake_client.get(f"/v1/imports/{job_id}/results", headers=stranger).status_code == 404


def test_an_import_is_not_seen_by_its_organisations_people_of_other_pilots(
    intake_client: FlaskClient, settings: Settings
) -> None:
    job_id = intake_client.post(
        "/v1/imports?kind=referral", data="a,b", headers=headers(settings)
    ).get_json()["id"]

    def lead(*pilots: str) -> dict[str, str]:
        token = mint_dev_token(
            settings, "pilot_lead", pilots=list(pilots), subject="lead", organisation="org-pirha"
        )
        return {"Authorization": f"Bearer {token}"}

    assert intake_client.get(f"/v1/imports/{job_id}", headers=lead("pilot-a")).status_code == 200
    for path in (
        f"/v1/imports/{job_id}",
        f"/v1/imports/{job_id}/errors",
        f"/v1/imports/{job_id}/results",
    ):
        assert intake_client.get(path, headers=lead("pilot-c")).status_code == 404


def test_the_running_worker_takes_queued_jobs_by_itself(
    intake_app: Flask, intake_client: FlaskClient, settings: Settings
) -> None:
    from tests.support.workers import running

    body = "\n".join(json.dumps(participation(i)) for i in range(10))
    with running(
        ImportWorker(
            intake_app.extensions["turvaverkko"].engine,
            intake_app.extensions["intake"],
            poll_interval=0.05,
        )
    ):
        job_id = intake_client.post(
            "/v1/imports?kind=participation",
            data=body,
            headers=headers(settings, content_type="application/x-ndjson"),
        ).get_json()["id"]
        wait_until(
            lambda: (
                intake_client.get(f"/v1/imports/{job_id}", headers=headers(settings)).get_json()[
                    "status"
                ]
                == "finished"
            ),
            30,
            "the job to finish",
        )


def test_a_job_whose_worker_went_quiet_is_taken_over_but_a_live_one_is_not(
    intake_app: Flask, intake_client: FlaskClient, settings: Settings
) -> None:
    from services.intake.store import imports

    engine = intake_app.extensions["turvaverkko"].engine
    job_id = intake_client.post(
        "/v1/imports?kind=participation",
        data=json.dumps(participation(1)),
        headers=headers(settings, content_type="application/x-ndjson"),
    ).get_json()["id"]
    assert imports.claim(engine).id == job_id  # now running, heartbeat fresh
    assert imports.claim(engine) is None, "a live job is not taken twice"
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE import_job SET heartbeat_at = now() - interval '5 minutes'")
        )
    assert imports.claim(engine).id == job_id, "a quiet worker's job is taken over"


def test_a_file_over_the_import_limit_is_refused_with_413_and_nothing_is_stored(
    intake_app: Flask, settings: Settings, engines: dict[str, Engine]
) -> None:
    import dataclasses

    from services.intake.app import create_app

    small = create_app(dataclasses.replace(settings, import_max_bytes=1000))
    try:
        r = small.test_client().post(
            "/v1/imports?kind=participation", data="x" * 5000, headers=headers(settings)
        )
        assert r.status_code == 413 and r.mimetype == "application/problem+json"
    finally:
        small.extensions["turvaverkko"].engine.dispose()
    with engines["intake"].connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM import_job")).scalar() == 0


def test_copy_rows_carry_backslashes_tabs_line_breaks_and_nulls_through_copy_unchanged(
    engines: dict[str, Engine],
) -> None:
    """A file's batches reach the staging table by COPY: whatever a value holds, it arrives as
    it was — JSON with escapes in it too."""
    from services.intake.store.items import copy_row

    values = ["a\\b", "tab\there", "line\nbreak\r\n", None, "ä€𝄞"]
    document = b'{"x": "quote \\" back \\\\ slash \\n"}'
    with engines["intake"].connect() as connection:
        driver = connection.connection.driver_connection
        driver.execute(
            "CREATE TEMPORARY TABLE copied (a text, b text, c text, d text, e text, j json)"
        )
        with driver.cursor() as cursor, cursor.copy("COPY copied FROM STDIN") as copy:
            copy.write(copy_row(*values, document) * 2)
        rows = driver.execute("SELECT a, b, c, d, e, j::text FROM copied").fetchall()
        connection.rollback()
    assert rows == [(*values, document.decode())] * 2
