"""An uploaded file is the one place where identity codes exist at rest: it is stored sealed
(AES-256-GCM under a key derived from the pseudonym key, outside the database), erased in the
transaction that ends its import, and never kept past ``IMPORT_MAX_HOURS``."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from services.intake.workers.imports import ImportWorker
from shared import migrations
from shared.config import Settings
from tests.integration.test_intake_imports import headers, run_worker
from tests.support.intake_data import hetu

pytestmark = pytest.mark.integration

CODES = [hetu(n) for n in range(1, 41)]
CSV = (
    "source_system;source_id;pilot_id;personal_identity_code;gender;home_region;"
    + ("referring_organisation_type;reason;referred_on\r\n")
    + "".join(
        f"apotti;R-{n};pilot-a;{code};female;06;school;other;1.10.2026\r\n"
        for n, code in enumerate(CODES)
    )
)


def _chunks(engine: Engine, job_id: str) -> list[bytes]:
    with engine.connect() as connection:
        return [
            bytes(data)
            for data in connection.execute(
                sa.text("SELECT data FROM import_chunk WHERE import_id = :id ORDER BY seq"),
                {"id": job_id},
            ).scalars()
        ]


def _upload(client: FlaskClient, settings: Settings, body: str, kind: str = "referral") -> str:
    r = client.post(f"/v1/imports?kind={kind}", data=body.encode(), headers=headers(settings))
    assert r.status_code == 202, r.get_json()
    return str(r.get_json()["id"])


def test_an_uploaded_file_waits_sealed_and_still_imports_whole(
    intake_app: Flask, intake_client: FlaskClient, settings: Settings, engines: dict[str, Engine]
) -> None:
    job_id = _upload(intake_client, settings, CSV)
    stored = b"".join(_chunks(engines["intake"], job_id))
    assert stored, "the file waits in the database until the worker takes it"
    assert not any(code.encode() in stored for code in CODES)
    assert b"apotti" not in stored and b"personal_identity_code" not in stored

    run_worker(intake_app)
    job = intake_client.get(f"/v1/imports/{job_id}", headers=headers(settings)).get_json()
    assert (job["status"], job["accepted"], job["rejected"]) == ("finished", len(CODES), 0)


def test_a_finished_import_leaves_nothing_of_its_file(
    intake_app: Flask, intake_client: FlaskClient, settings: Settings, engines: dict[str, Engine]
) -> None:
    job_id = _upload(intake_client, settings, CSV)
    run_worker(intake_app)
    assert _chunks(engines["intake"], job_id) == []


def test_a_failed_import_leaves_nothing_of_its_file(
    intake_app: Flask, intake_client: FlaskClient, settings: Settings, engines: dict[str, Engine]
) -> None:
    job_id = _upload(
        intake_client, settings, "source_system;personal_identity_code\r\na;" + CODES[0]
    )
    run_worker(intake_app)
    job = intake_client.get(f"/v1/imports/{job_id}", headers=headers(settings)).get_json()
    assert job["status"] == "failed"
    assert _chunks(engines["intake"], job_id) == []


def test_an_import_not_ended_within_the_limit_is_failed_and_its_file_erased(
    intake_app: Flask, intake_client: FlaskClient, settings: Settings, engines: dict[str, Engine]
) -> None:
    old, recent = _upload(intake_client, settings, CSV), _upload(intake_client, settings, CSV)
    with engines["intake"].begin() as connection:
        connection.execute(
            sa.text(
                "UPDATE import_job SET created_at = now() - interval '25 hours' WHERE id = :id"
            ),
            {"id": old},
        )
    context = intake_app.extensions["turvaverkko"]
    worker = ImportWorker(context.engine, intake_app.extensions["intake"], max_hours=24)
    try:
        expired = worker.expire()
    finally:
        worker.close()

    assert [job.id for job in expired] == [old]
    job = intake_client.get(f"/v1/imports/{old}", headers=headers(settings)).get_json()
    assert job["status"] == "failed" and "24 hours" in job["failure"]
    assert _chunks(engines["intake"], old) == []
    assert _chunks(engines["intake"], recent) != [], "an import within its time keeps its file"
    with engines["intake"].connect() as connection:
        events = connection.execute(
            sa.text("SELECT event_type, payload FROM outbox WHERE event_type = 'import.failed'")
        ).all()
    assert len(events) == 1 and old.encode() in bytes(events[0].payload)


def test_a_file_whose_key_is_no_longer_configured_fails_its_import_with_a_reason(
    intake_app: Flask, intake_client: FlaskClient, settings: Settings, engines: dict[str, Engine]
) -> None:
    job_id = _upload(intake_client, settings, CSV)
    with engines["intake"].begin() as connection:
        connection.execute(sa.text("UPDATE import_job SET file_key_id = 'retired'"))
    run_worker(intake_app)
    job = intake_client.get(f"/v1/imports/{job_id}", headers=headers(settings)).get_json()
    assert job["status"] == "failed" and "key" in job["failure"]
    assert _chunks(engines["intake"], job_id) == []


@pytest.fixture
def scratch_settings(settings: Settings) -> Iterator[Settings]:
    scratch = dataclasses.replace(
        settings, database_prefix=f"{settings.database_prefix}m{uuid.uuid4().hex[:6]}_"
    )
    yield scratch
    migrations.drop_database("intake", scratch)


def test_the_migration_erases_the_files_of_imports_that_ended_before_it(
    scratch_settings: Settings,
) -> None:
    migrations.upgrade("intake", scratch_settings, "0003")
    engine = sa.create_engine(scratch_settings.database_url("intake"))
    try:
        with engine.begin() as connection:
            for job_id, status in (
                ("ended", "finished"),
                ("broken", "failed"),
                ("waits", "queued"),
            ):
                connection.execute(
                    sa.text(
                        "INSERT INTO import_job (id, kind, format, status, created_by, "
                        "created_by_role, created_by_pilots) "
                        "VALUES (:id, 'referral', 'csv', :status, 'u', 'integration', '{}')"
                    ),
                    {"id": job_id, "status": status},
                )
                connection.execute(
                    sa.text("INSERT INTO import_chunk VALUES (:id, 0, :data)"),
                    {"id": job_id, "data": CSV.encode()},
                )
        migrations.upgrade("intake", scratch_settings)
        with engine.connect() as connection:
            left = connection.execute(sa.text("SELECT import_id FROM import_chunk")).scalars()
            assert list(left) == ["waits"]
    finally:
        engine.dispose()
