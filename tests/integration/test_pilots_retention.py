"""Retention and the right of access on the pilots service: ended cases past
CASE_RETENTION_MONTHS made anonymous in batches by the scheduler's worker (link and free text
gone, figures kept), and an admin's report, on a client's request, of who processed each of the
young person's cases."""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from services.pilots.consumers import AGGREGATES, CASE_EVENTS
from services.pilots.workers.scheduler import Scheduler
from shared.calendar import months_before
from shared.config import Settings
from shared.db import UnitOfWork, make_session_factory
from shared.messaging.consumer import Consumer
from tests.integration.test_pilots_cases import (
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
def rollups(settings: Settings, engines: dict[str, Engine]) -> Consumer:
    sessions = make_session_factory(engines["pilots"])
    return Consumer(settings, AGGREGATES, lambda: UnitOfWork(sessions))


@pytest.fixture
def pilots(pilots_client: FlaskClient, settings: Settings) -> None:
    seed_pilots(pilots_client, settings)


def test_months_before_keeps_the_wall_clock_and_the_month_end() -> None:
    moment = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
    assert months_before(moment, 1).date().isoformat() == "2026-02-28"
    assert months_before(moment, 24).date().isoformat() == "2024-03-31"
    assert months_before(datetime(2026, 1, 15, tzinfo=UTC), 13).date().isoformat() == "2024-12-15"


def _ended_case(
    client: FlaskClient,
    settings: Settings,
    consumers: tuple[Consumer, Consumer],
    engine: Engine,
    who: str,
) -> str:
    headers = worker(settings)
    events = referral(who, on="2024-01-10"), participation(who, "2024-01-20T10:00:00+02:00")
    for consumer in consumers:
        deliver(consumer, *events)
    cid = case_id(engine, who)
    assert move(client, headers, cid, "enrolled").status_code == 201
    assert (
        client.post(
            f"/v1/cases/{cid}/tasks",
            json={
                "title": "Call the grandmother about the move",
                "due_on": "2024-02-01",
                "assignee": "worker-1",
            },
            headers=headers,
        ).status_code
        == 201
    )
    assert move(client, headers, cid, "closed", closing_reason="moved_away").status_code == 201
    return cid


def test_ended_cases_past_retention_are_made_anonymous_in_batches_and_their_figures_kept(
    pilots_client: FlaskClient,
    settings: Settings,
    consumer: Consumer,
    rollups: Consumer,
    engines: dict[str, Engine],
    caplog: pytest.LogCaptureFixture,
) -> None:
    engine = engines["pilots"]
    both = (consumer, rollups)
    old = [_ended_case(pilots_client, settings, both, engine, f"old-{i}") for i in range(3)]
    admin = bearer(settings, "admin")
    codes = [pilots_client.get(f"/v1/cases/{cid}", headers=admin).json["code"] for cid in old]
    recent = _ended_case(pilots_client, settings, both, engine, "recent-1")
    deliver(consumer, referral("open-1"))
    still_open = case_id(engine, "open-1")
    with engine.begin() as connection:  # three of them ended 25 months ago
        connection.execute(
            sa.text(
                "UPDATE pilot_case SET ended_at = now() - interval '25 months' WHERE id = ANY(:ids)"
            ),
            {"ids": old},
        )
        people_before = connection.execute(sa.text("SELECT count(*) FROM agg_person")).scalar()
        cells_before = connection.execute(sa.text("SELECT count(*) FROM agg_member")).scalar()
    assert people_before == 4 and cells_before
    scheduler = Scheduler(engine, retention_months=24, retention_batch=2)  # two batches
    with caplog.at_level(logging.INFO):
        scheduler.tick()
    with engine.connect() as connection:
        rows = {
            r.id: r
            for r in connection.execute(
                sa.text(
                    "SELECT id, key_id, pseudonym, anonymised_at, state, closing_reason, age_band FROM pilot_case"
                )
            )
        }
        for cid in old:
            assert rows[cid].anonymised_at is not None
            assert (rows[cid].key_id, rows[cid].pseudonym) == ("erased", f"erased:{cid}")
            assert (rows[cid].state, rows[cid].closing_reason, rows[cid].age_band) == (
                "closed",
                "moved_away",
                "13-15",
            )
        assert rows[recent].anonymised_at is None and rows[still_open].anonymised_at is None
        for who in ("old-0", "old-1", "old-2"):
            left = connection.execute(
                sa.text(
                    "SELECT (SELECT count(*) FROM timeline_entry WHERE pseudonym = :p) "
                    "+ (SELECT count(*) FROM pilot_case WHERE pseudonym = :p) "
                    "+ (SELECT count(*) FROM agg_person WHERE person LIKE '%' || :p)"
                ),
                {"p": who},
            ).scalar()
            assert left == 0, who
        texts = (
            connection.execute(
                sa.text(
                    "SELECT t.reason FROM case_transition t WHERE t.case_id = ANY(:ids) "
                    "UNION ALL SELECT k.title FROM case_task k WHERE k.case_id = ANY(:ids) "
                    "UNION ALL SELECT e.summary::text FROM timeline_entry e WHERE e.pseudonym LIKE 'erased:%'"
                ),
                {"ids": old},
            )
            .scalars()
            .all()
        )
        assert texts and not any("grandmother" in t or "to closed" in t for t in texts)
        assert (
            connection.execute(sa.text("SELECT count(*) FROM agg_person")).scalar() == people_before
        )
        assert (
            connection.execute(sa.text("SELECT count(*) FROM agg_member")).scalar() == cells_before
        )
        erased_people = connection.execute(
            sa.text("SELECT count(*) FROM agg_person WHERE person LIKE 'erased:%'")
        ).scalar()
        assert erased_people == 3
        events = [
            json.loads(bytes(p))["data"]
            for p in connection.execute(
                sa.text("SELECT payload FROM outbox WHERE event_type = 'case.anonymised'")
            ).scalars()
        ]
    assert sorted(e["case_id"] for e in events) == sorted(old)
    assert "made 3 ended cases anonymous" in caplog.text
    assert not any(cid in caplog.text for cid in old)
    # The audit trail still names the cases, and an admin still reads them (without the link).
    assert audit_rows(engine, old[0])
    assert pilots_client.get(f"/v1/cases/{old[0]}", headers=admin).status_code == 200
    # The case code, which the regional client record holds, no longer finds it.
    for code in codes:
        found = pilots_client.post("/v1/cases/by-code", json={"code": code}, headers=admin)
        assert found.status_code == 404
    # A second pass finds nothing more to do.
    caplog.clear()
    with caplog.at_level(logging.INFO):
        scheduler.tick()
    assert "anonymous" not in caplog.text


def test_a_later_episode_no_longer_points_at_a_case_made_anonymous(
    pilots_client: FlaskClient, settings: Settings, consumer: Consumer, engines: dict[str, Engine]
) -> None:
    engine = engines["pilots"]
    earlier = _ended_case(pilots_client, settings, (consumer,), engine, "again-later")
    deliver(consumer, referral("again-later", on="2026-11-01"))
    admin = bearer(settings, "admin")
    [later] = pilots_client.get(f"/v1/cases?previous_case={earlier}", headers=admin).json["items"]
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE pilot_case SET ended_at = now() - interval '25 months' WHERE id = :id"),
            {"id": earlier},
        )
    Scheduler(engine, retention_months=24).tick()
    now = pilots_client.get(f"/v1/cases/{later['id']}", headers=admin).json
    assert now["previous_case_id"] is None and now["state"] == "referred"
    assert (
        pilots_client.get(f"/v1/cases?previous_case={earlier}", headers=admin).json["items"] == []
    )


def test_the_right_of_access_reports_who_processed_each_case_as_json_and_csv(
    pilots_client: FlaskClient, settings: Settings, consumer: Consumer, engines: dict[str, Engine]
) -> None:
    deliver(consumer, referral("asks-1"))
    cid = case_id(engines["pilots"], "asks-1")
    colleague = worker(settings, subject="worker-2")
    pilots_client.get(f"/v1/cases/{cid}", headers=worker(settings) | {"X-Purpose": "supervision"})
    pilots_client.get(f"/v1/cases/{cid}/timeline", headers=colleague)
    admin = bearer(settings, "admin")
    asked = admin | {"X-Purpose": "client_request"}
    r = pilots_client.post("/v1/cases/access-report", json={"case_ids": [cid]}, headers=asked)
    assert r.status_code == 200, r.get_json()
    [case] = r.get_json()["cases"]
    assert case["case_id"] == cid and case["code"]
    seen = [(e["subject"], e["action"], e["purpose"], e["role"]) for e in case["entries"]]
    assert seen[:2] == [
        ("worker-1", "read", "supervision", "pilot_worker"),
        ("worker-2", "read_timeline", "case_work", "pilot_worker"),
    ]
    assert "pseudonym" not in r.get_data(as_text=True)
    # The report itself is audited, with the client's request as its purpose.
    last = audit_rows(engines["pilots"], cid)[-1]
    assert (last.action, last.purpose, last.role) == ("access_report", "client_request", "admin")

    printable = pilots_client.post(
        "/v1/cases/access-report",
        json={"case_ids": [cid]},
        headers=asked | {"Accept": "text/csv"},
    )
    assert printable.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(printable.get_data(as_text=True))))
    assert [(row["subject"], row["action"]) for row in rows[:2]] == [
        ("worker-1", "read"),
        ("worker-2", "read_timeline"),
    ]
    assert rows[0]["case_code"] == case["code"]

    # Only for a client's request (or a data protection audit), only by an admin, every case named.
    assert_problem(
        pilots_client.post("/v1/cases/access-report", json={"case_ids": [cid]}, headers=admin), 422
    )
    assert_problem(
        pilots_client.post(
            "/v1/cases/access-report",
            json={"case_ids": [cid]},
            headers=worker(settings) | {"X-Purpose": "client_request"},
        ),
        403,
    )
    missing = pilots_client.post(
        "/v1/cases/access-report", json={"case_ids": [cid, "no-such-case"]}, headers=asked
    )
    assert_problem(missing, 404)
    assert [e["pointer"] for e in missing.get_json()["errors"]] == ["#/case_ids/1"]
    assert "no-such-case" not in missing.get_data(as_text=True)


def test_retention_is_configured_within_bounds() -> None:
    from shared.config import ConfigError

    assert Settings.from_env({}).case_retention_months == 24
    for bad in ("0", "5000"):
        with pytest.raises(ConfigError, match="CASE_RETENTION_MONTHS"):
            Settings.from_env({"TURVAVERKKO_CASE_RETENTION_MONTHS": bad}).validate()
