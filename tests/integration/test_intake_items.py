"""Intake's item endpoints against the real PostgreSQL: each item accepted, duplicate or rejected
(with every bad field), pseudonymised, stored with its event in one transaction, idempotent."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from shared import migrations
from shared.auth import mint_dev_token
from shared.config import Settings
from shared.http import PROBLEM_JSON
from shared.messaging.envelope import Envelope
from shared.messaging.outbox import OutboxRelay
from tests.integration.conftest import INTAKE_TABLES
from tests.support.intake_data import hetu, outcome, participation, referral
from tests.support.workers import running, wait_until

pytestmark = pytest.mark.integration


def auth(
    settings: Settings,
    role: str = "integration",
    pilots: tuple[str, ...] = ("pilot-a", "pilot-b", "pilot-closed"),
    subject: str = "apotti-integration",
) -> dict[str, str]:
    token = mint_dev_token(settings, role, pilots=pilots, subject=subject)
    return {"Authorization": f"Bearer {token}"}


def post(
    intake_client: FlaskClient, settings: Settings, path: str, body: Any, **headers: str
) -> Any:
    return intake_client.post(path, json=body, headers=auth(settings) | headers)


def stored(engine: Engine, table: str) -> list[Any]:
    with engine.connect() as connection:
        return connection.execute(sa.text(f"SELECT * FROM {table}")).all()


def outbox_events(engine: Engine) -> list[Envelope]:
    with engine.connect() as connection:
        payloads = connection.execute(sa.text("SELECT payload FROM outbox ORDER BY id")).scalars()
        return [Envelope.from_json_bytes(p) for p in payloads]


def test_one_referral_is_accepted_pseudonymised_and_its_event_written_in_the_outbox(
    intake_client: FlaskClient, settings: Settings, engines: dict[str, Engine]
) -> None:
    r = post(intake_client, settings, "/v1/referrals", referral(1))
    assert r.status_code == 201, r.get_json()
    event_id = r.get_json()["event_id"]
    assert r.headers["Location"] == f"/v1/events/{event_id}"

    [event] = outbox_events(engines["intake"])
    assert (event.id, event.type, event.subject) == (event_id, "referral.received", "pilot/pilot-a")
    data = event.data
    assert data["age_band"] == "16-17" and data["gender"] == "female"
    assert data["home_region"] == "08" and data["identified_by"] == "identity_code"
    assert len(data["pseudonym"]) == 64 and data["key_id"] == settings.pseudonym_key_id
    assert "birth" not in str(data)

    state = intake_client.get(f"/v1/events/{event_id}", headers=auth(settings)).get_json()
    assert state["state"] == "stored" and state["published_at"] is None


def test_no_identity_code_is_stored_published_or_echoed_anywhere(
    intake_client: FlaskClient, settings: Settings, engines: dict[str, Engine]
) -> None:
    code = hetu(7)
    post(intake_client, settings, "/v1/referrals", referral(7))
    bad = post(
        intake_client,
        settings,
        "/v1/referrals",
        referral(8, personal_identity_code=code[:-1] + "Q", reason=code),
    )
    assert bad.status_code == 422
    assert code not in bad.get_data(as_text=True) and code[:-1] not in bad.get_data(as_text=True)
    with engines["intake"].connect() as connection:
        for table in INTAKE_TABLES:
            dump = connection.execute(sa.text(f"SELECT t::text FROM {table} t")).scalars().all()
            assert not any(code in row or code[:-1] in row for row in dump), table
        payloads = connection.execute(sa.text("SELECT payload FROM outbox")).scalars().all()
    assert not any(code.encode() in p for p in payloads)


def test_a_list_reports_each_item_and_one_rejection_does_not_stop_the_others(
    intake_client: FlaskClient, settings: Settings, engines: dict[str, Engine]
) -> None:
    items = [
        referral(1),
        referral(2, personal_identity_code="131052-308U"),  # wrong check character
        referral(3, pilot_id="pilot-unknown"),
        referral(4, referred_on="2099-01-01", gender="girl", colour="blue"),
        referral(5, pilot_id="pilot-closed"),
        referral(1),  # the first one again
        "not an object",
        referral(
            6,
            personal_identity_code=None,
            client_system="lifecare",
            client_id="C-6",
            birth_year_month="2009-03",
        ),
    ]
    r = post(intake_client, settings, "/v1/referrals", items)
    assert r.status_code == 200
    body = r.get_json()
    statuses = [res["status"] for res in body["results"]]
    assert statuses == [
        "accepted",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "duplicate",
        "rejected",
        "accepted",
    ]
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (2, 1, 5)
    results = body["results"]
    assert results[5]["event_id"] == results[0]["event_id"]
    assert {e["pointer"] for e in results[1]["errors"]} == {"#/personal_identity_code"}
    assert results[2]["errors"] == [{"pointer": "#/pilot_id", "detail": "Unknown pilot."}]
    # "colour" is no field name of the API: placed by position, not repeated
    assert {e["pointer"] for e in results[3]["errors"]} == {"#/referred_on", "#/gender", "#"}
    assert results[4]["errors"][0]["detail"] == "The pilot is not active."
    assert len(stored(engines["intake"], "intake_event")) == 2
    assert len(outbox_events(engines["intake"])) == 2


def test_replaying_items_creates_no_second_event_and_returns_the_original_ids(
    intake_client: FlaskClient, settings: Settings, engines: dict[str, Engine]
) -> None:
    items = [participation(i) for i in range(5)]
    first = post(intake_client, settings, "/v1/participations", items).get_json()
    again = post(intake_client, settings, "/v1/participations", items).get_json()
    assert first["accepted"] == 5 and again["duplicates"] == 5
    assert [r["event_id"] for r in again["results"]] == [r["event_id"] for r in first["results"]]
    single = post(intake_client, settings, "/v1/participations", items[0])
    assert single.status_code == 200 and single.get_json()["status"] == "duplicate"
    assert len(outbox_events(engines["intake"])) == 5


def test_a_single_item_sent_again_after_its_pilot_closed_is_still_its_duplicate(
    intake_app: Flask, intake_client: FlaskClient, settings: Settings, engines: dict[str, Engine]
) -> None:
    """Single items are stored without looking up stored events first (the insert finds a twin);
    an item that fails a check is still looked up, so a replay is a duplicate, not a refusal."""
    first = post(intake_client, settings, "/v1/referrals", referral(3)).get_json()
    with engines["intake"].begin() as connection:
        connection.execute(sa.text("UPDATE pilot_ref SET active = false WHERE id = 'pilot-a'"))
    intake_app.extensions["intake"].reference.invalidate()
    again = post(intake_client, settings, "/v1/referrals", referral(3))
    assert again.status_code == 200, again.get_json()
    assert again.get_json() == {"index": 0, "status": "duplicate", "event_id": first["event_id"]}
    new = post(intake_client, settings, "/v1/referrals", referral(4))
    assert new.status_code == 422
    assert new.get_json()["errors"] == [
        {"pointer": "#/pilot_id", "detail": "The pilot is not active."}
    ]


def test_a_duplicate_referral_does_not_change_the_stored_profile(
    intake_client: FlaskClient, settings: Settings, engines: dict[str, Engine]
) -> None:
    """Only a stored referral states the client's profile: the same item sent again with other
    values is a duplicate and changes nothing (single items and lists alike)."""
    assert post(intake_client, settings, "/v1/referrals", referral(6)).status_code == 201
    changed = referral(6) | {"gender": "male", "home_region": "02"}
    assert post(intake_client, settings, "/v1/referrals", changed).get_json()["status"] == (
        "duplicate"
    )
    assert post(intake_client, settings, "/v1/referrals", [changed]).get_json()["duplicates"] == 1
    [profile] = stored(engines["intake"], "client")
    assert (profile.gender, profile.home_region) == ("female", "08")
    [event] = outbox_events(engines["intake"])
    assert event.type == "referral.received"


def test_idempotency_key_replays_the_first_answer_and_refuses_another_body(
    intake_client: FlaskClient, settings: Settings, engines: dict[str, Engine]
) -> None:
    items = [outcome(1), outcome(2, value=99)]  # the second is out of the instrument's range
    first = post(
        intake_client, settings, "/v1/outcomes", items, **{"Idempotency-Key": "batch-2026-001"}
    )
    replay = post(
        intake_client, settings, "/v1/outcomes", items, **{"Idempotency-Key": "batch-2026-001"}
    )
    assert first.status_code == replay.status_code == 200
    assert replay.get_json() == first.get_json()  # "accepted", not "duplicate": the first answer
    assert replay.headers["Idempotent-Replayed"] == "true"
    other = post(
        intake_client,
        settings,
        "/v1/outcomes",
        [outcome(3)],
        **{"Idempotency-Key": "batch-2026-001"},
    )
    assert other.status_code == 422 and other.mimetype == PROBLEM_JSON
    assert len(outbox_events(engines["intake"])) == 1
    assert first.get_json()["results"][1]["errors"][0]["pointer"] == "#/value"


def test_an_idempotency_key_replays_only_to_the_same_caller_with_the_same_pilots(
    intake_client: FlaskClient, settings: Settings, engines: dict[str, Engine]
) -> None:
    def caller(role: str, pilots: tuple[str, ...], org: str = "org-a") -> dict[str, str]:
        token = mint_dev_token(
            settings, role, subject="shared-sub", pilots=pilots, organisation=org
        )
        return {"Authorization": f"Bearer {token}", "Idempotency-Key": "referral-2026-042"}

    first = intake_client.post(
        "/v1/referrals", json=referral(42), headers=caller("pilot_worker", ("pilot-a",))
    )
    assert first.status_code == 201, first.get_json()
    event_id = first.get_json()["event_id"]

    # The same subject with other pilots is another caller: its own request, checked on its own.
    other_pilots = intake_client.post(
        "/v1/referrals", json=referral(42), headers=caller("pilot_worker", ("pilot-b",))
    )
    assert other_pilots.status_code == 422 and "Idempotent-Replayed" not in other_pilots.headers
    assert event_id not in other_pilots.get_data(as_text=True)
    assert [e["pointer"] for e in other_pilots.get_json()["errors"]] == ["#/pilot_id"]
    # Another role or organisation with the same subject and pilots: not a replay either (the
    # item is found a duplicate of what its pilot already has).
    for other in (
        caller("pilot_lead", ("pilot-a",)),
        caller("pilot_worker", ("pilot-a",), "org-b"),
    ):
        r = intake_client.post("/v1/referrals", json=referral(42), headers=other)
        assert r.status_code == 200 and "Idempotent-Replayed" not in r.headers
        assert r.get_json()["status"] == "duplicate"

    again = intake_client.post(
        "/v1/referrals", json=referral(42), headers=caller("pilot_worker", ("pilot-a",))
    )
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert len(outbox_events(engines["intake"])) == 1
    with engines["intake"].connect() as connection:
        kept = connection.execute(sa.text("SELECT * FROM idempotent_request")).mappings().all()
    assert len(kept) == 4  # one answer per caller, each under its own key
    assert all("shared-sub" not in str(row) and "pilot-a" not in str(row["caller"]) for row in kept)


def test_the_migration_drops_idempotency_answers_stored_under_the_subject_alone(
    settings: Settings,
) -> None:
    """Rows from before 0006 name only a subject: which pilots their caller had is unknown, so
    replaying them to anyone could be the leak itself. They go; a retried request is then taken
    as new, and its items are duplicates of what was stored (no second event)."""
    scratch = dataclasses.replace(settings, database_prefix=f"{settings.database_prefix}mig_")
    migrations.upgrade("intake", scratch, "0003")
    engine = sa.create_engine(scratch.database_url("intake"), poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO idempotent_request (principal, key, fingerprint, status, body) "
                    "VALUES ('shared-sub', 'k-1', 'f', 201, '{}')"
                )
            )
        migrations.upgrade("intake", scratch)
        with engine.connect() as connection:
            assert (
                connection.execute(sa.text("SELECT count(*) FROM idempotent_request")).scalar() == 0
            )
            with pytest.raises(sa.exc.IntegrityError):  # a caller key is a SHA-256, nothing else
                connection.execute(
                    sa.text(
                        "INSERT INTO idempotent_request (caller, key, fingerprint, status, body) "
                        "VALUES ('shared-sub', 'k-1', 'f', 201, '{}')"
                    )
                )
        command.downgrade(migrations.alembic_config("intake", scratch), "0003")
        with engine.connect() as connection:
            columns = connection.execute(
                sa.text(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_name = 'idempotent_request' ORDER BY ordinal_position"
                )
            ).scalars()
            assert "principal" in list(columns)
    finally:
        engine.dispose()
        migrations.drop_database("intake", scratch)


def test_same_young_person_has_the_same_pseudonym_in_every_pilot(
    intake_client: FlaskClient, settings: Settings, engines: dict[str, Engine]
) -> None:
    post(
        intake_client,
        settings,
        "/v1/referrals",
        [referral(1), referral(2, source_id="R-x", pilot_id="pilot-b")],
    )
    post(
        intake_client,
        settings,
        "/v1/referrals",
        referral(1, source_id="R-y", pilot_id="pilot-b", personal_identity_code=hetu(1).lower()),
    )
    events = outbox_events(engines["intake"])
    pseudonyms = {e.data["pilot_id"] + e.data["source_system"]: e.data["pseudonym"] for e in events}
    assert events[0].data["pseudonym"] == events[2].data["pseudonym"]
    assert events[0].data["pseudonym"] != events[1].data["pseudonym"]
    assert len(pseudonyms) == 2


def test_participation_takes_age_band_gender_and_region_from_the_referral_and_checks_activity(
    intake_client: FlaskClient, settings: Settings, engines: dict[str, Engine]
) -> None:
    post(
        intake_client, settings, "/v1/referrals", referral(1, gender="non_binary", home_region="90")
    )
    r = post(
        intake_client,
        settings,
        "/v1/participations",
        [
            participation(1),
            participation(2, activity_id="pilot-b-act-0"),  # another pilot's activity
            participation(3, activity_id="nope", occurred_at="2099-01-01T10:00:00"),
            participation(4),  # no referral: gender and region unknown, age from the code
        ],
    ).get_json()
    assert [x["status"] for x in r["results"]] == ["accepted", "rejected", "rejected", "accepted"]
    assert r["results"][1]["errors"] == [
        {"pointer": "#/activity_id", "detail": "Unknown activity for this pilot."}
    ]
    assert {e["pointer"] for e in r["results"][2]["errors"]} == {"#/occurred_at"}
    known, unknown = (e.data for e in outbox_events(engines["intake"])[1:])
    assert (known["gender"], known["home_region"], known["age_band"]) == (
        "non_binary",
        "90",
        "16-17",
    )
    assert known["activity_type"] == "group" and known["occurred_at"].endswith("+03:00")
    assert (unknown["gender"], unknown["age_band"]) == ("unknown", "16-17")


def test_the_age_band_of_an_event_uses_the_whole_birth_date_of_its_identity_code(
    intake_client: FlaskClient, settings: Settings, engines: dict[str, Engine]
) -> None:
    """Born 31.7.2008, taking part on 13.7.2026: 17 years old, not 18 (the age was once taken
    to turn over on the 1st of the birth month). A regional number keeps only the birth month:
    its birthday is taken to be the month's middle."""
    from datetime import date

    from services.intake.domain.hetu import format_identity_code

    code = format_identity_code(date(2008, 7, 31), 234)
    regional = {"personal_identity_code": None, "client_system": "lifecare", "client_id": "C-9"}
    post(intake_client, settings, "/v1/referrals", referral(1, personal_identity_code=code))
    post(
        intake_client,
        settings,
        "/v1/referrals",
        referral(2, birth_year_month="2008-07", **regional),
    )
    r = post(
        intake_client,
        settings,
        "/v1/participations",
        [
            participation(1, personal_identity_code=code, occurred_at="2026-07-13T10:00:00"),
            participation(2, personal_identity_code=code, occurred_at="2026-07-31T10:00:00"),
            participation(3, occurred_at="2026-07-15T10:00:00", **regional),
            participation(4, occurred_at="2026-07-16T10:00:00", **regional),
        ],
    ).get_json()
    assert r["accepted"] == 4, r
    bands = [e.data["age_band"] for e in outbox_events(engines["intake"])[2:]]
    assert bands == ["16-17", "18-21", "16-17", "18-21"]


def test_a_worker_reports_only_for_own_pilots_and_sees_only_their_events(
    intake_client: FlaskClient, settings: Settings
) -> None:
    worker = auth(settings, "pilot_worker", pilots=("pilot-b",), subject="worker-b")
    r = intake_client.post("/v1/referrals", json=referral(1), headers=worker)
    assert r.status_code == 422
    assert r.get_json()["errors"] == [
        {"pointer": "#/pilot_id", "detail": "Not one of your pilots."}
    ]
    accepted = post(intake_client, settings, "/v1/referrals", referral(2)).get_json()["event_id"]
    assert intake_client.get(f"/v1/events/{accepted}", headers=worker).status_code == 404
    coordinator = auth(settings, "coordinator", pilots=())
    assert (
        intake_client.post("/v1/referrals", json=referral(3), headers=coordinator).status_code
        == 403
    )
    assert intake_client.get(f"/v1/events/{accepted}", headers=coordinator).status_code == 403


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ([], 422),
        ("just a string", 422),
        ([referral(i) for i in range(1001)], 422),
    ],
)
def test_a_body_that_is_not_one_item_or_a_list_of_up_to_1000_is_refused_whole(
    intake_client: FlaskClient,
    settings: Settings,
    engines: dict[str, Engine],
    body: Any,
    status: int,
) -> None:
    r = post(intake_client, settings, "/v1/referrals", body)
    assert r.status_code == status and r.mimetype == PROBLEM_JSON
    assert stored(engines["intake"], "intake_event") == []


def test_protocol_errors_are_problems(intake_client: FlaskClient, settings: Settings) -> None:
    headers = auth(settings)
    assert (
        intake_client.post(
            "/v1/referrals", data="{", content_type="application/json", headers=headers
        ).status_code
        == 400
    )
    assert (
        intake_client.post(
            "/v1/referrals", data="a;b", content_type="text/csv", headers=headers
        ).status_code
        == 415
    )
    assert intake_client.post("/v1/referrals", json=referral(1)).status_code == 401
    huge = [referral(i) for i in range(1000)]
    for item in huge:
        item["reason"] = "x" * 6000
    assert intake_client.post("/v1/referrals", json=huge, headers=headers).status_code == 413


def test_event_state_becomes_published_once_the_relay_has_a_confirm(
    intake_client: FlaskClient, settings: Settings, engines: dict[str, Engine]
) -> None:
    event_id = post(intake_client, settings, "/v1/outcomes", outcome(1)).get_json()["event_id"]
    with running(OutboxRelay(settings, engines["intake"], "intake")):
        wait_until(
            lambda: (
                intake_client.get(f"/v1/events/{event_id}", headers=auth(settings)).get_json()[
                    "state"
                ]
                == "published"
            ),
            30,
            "the event to be published",
        )


def test_a_failure_inside_the_transaction_stores_nothing(
    intake_app: Flask, settings: Settings, engines: dict[str, Engine]
) -> None:
    from shared.auth import Principal

    def fail(_uow: Any, _results: Any) -> None:
        raise RuntimeError("the database went away half way")

    with pytest.raises(RuntimeError):
        intake_app.extensions["intake"].submit(
            "referral",
            [referral(1), referral(2)],
            Principal("s", "admin", None, frozenset()),
            extra=fail,
        )
    assert stored(engines["intake"], "intake_event") == []
    assert stored(engines["intake"], "client") == []
    assert outbox_events(engines["intake"]) == []


def test_outcomes_are_checked_against_the_instrument_catalogue(
    intake_client: FlaskClient, settings: Settings
) -> None:
    r = post(
        intake_client,
        settings,
        "/v1/outcomes",
        [
            outcome(1),
            outcome(2, instrument="UNKNOWN"),
            outcome(3, value=13),  # below the instrument's 14
            outcome(4, time_point="later", measured_on="1899-12-31"),
        ],
    ).get_json()
    assert [x["status"] for x in r["results"]] == ["accepted", "rejected", "rejected", "rejected"]
    assert r["results"][1]["errors"][0]["pointer"] == "#/instrument"
    assert r["results"][2]["errors"][0]["pointer"] == "#/value"
    assert {e["pointer"] for e in r["results"][3]["errors"]} == {"#/time_point", "#/measured_on"}


def test_a_regional_client_number_with_a_birth_month_is_enough_and_gives_an_age_band(
    intake_client: FlaskClient, settings: Settings, engines: dict[str, Engine]
) -> None:
    item = referral(
        1,
        personal_identity_code=None,
        client_system="Pegasos",
        client_id="A-77",
        birth_year_month="2011-12",
        referred_on="2026-11-20",
    )
    assert post(intake_client, settings, "/v1/referrals", item).status_code == 201
    missing_birth = referral(
        2, personal_identity_code=None, client_system="pegasos", client_id="A-78"
    )
    r = post(intake_client, settings, "/v1/referrals", missing_birth)
    assert r.status_code == 422 and r.get_json()["errors"][0]["pointer"] == "#/birth_date"
    half = referral(3, personal_identity_code=None, client_system="pegasos")
    errors = post(intake_client, settings, "/v1/referrals", half).get_json()["errors"]
    assert {"pointer": "#/client_id", "detail": "client_system needs client_id."} in errors
    [event] = outbox_events(engines["intake"])
    assert event.data["age_band"] == "13-15" and event.data["identified_by"] == "regional_client_id"


def test_a_temporary_identity_code_is_accepted_and_flagged(
    intake_client: FlaskClient, settings: Settings, engines: dict[str, Engine]
) -> None:
    from datetime import date

    from services.intake.domain.hetu import format_identity_code

    temporary = format_identity_code(date(2012, 2, 29), 950)
    post(intake_client, settings, "/v1/referrals", referral(1, personal_identity_code=temporary))
    [event] = outbox_events(engines["intake"])
    assert event.data["temporary_identity"] is True


def test_during_a_key_rotation_events_also_carry_the_earlier_pseudonym(
    intake_client: FlaskClient, settings: Settings, engines: dict[str, Engine]
) -> None:
    import base64
    import dataclasses

    from services.intake.app import create_app

    old_key = settings.pseudonym_keys  # the key id "dev"
    new_key = "k2027:" + base64.b64encode(b"n" * 32).decode()
    rotated = create_app(
        dataclasses.replace(
            settings, pseudonym_keys=f"{old_key},{new_key}", pseudonym_key_id="k2027"
        )
    )
    try:
        post(intake_client, settings, "/v1/referrals", referral(1))
        rotated.test_client().post(
            "/v1/referrals", json=referral(1, source_id="R-again"), headers=auth(settings)
        )
    finally:
        rotated.extensions["turvaverkko"].engine.dispose()
    first, second = outbox_events(engines["intake"])
    assert (first.data["key_id"], second.data["key_id"]) == ("dev", "k2027")
    assert second.data["pseudonym"] != first.data["pseudonym"]
    assert second.data["earlier_pseudonyms"] == {"dev": first.data["pseudonym"]}
    assert "earlier_pseudonyms" not in first.data


def test_duplicate_and_profile_lookups_stay_index_lookups_on_a_large_table_with_stale_statistics(
    engines: dict[str, Engine],
) -> None:
    """A bulk load leaves the statistics stale; the lookups must not then hash the whole table
    (which costs a file import time in proportion to everything ever stored)."""
    from services.intake.store.items import _CLIENTS, _EVENT_IDS

    engine = engines["intake"]
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO intake_event (id, kind, source_system, source_id, pilot_id, key_id, "
                "pseudonym, data) SELECT gen_random_uuid()::text, 'participation', 'bulk', "
                "'row-' || g, 'pilot-a', 'dev', md5(g::text), '{}' "
                "FROM generate_series(1, 50000) g"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO client (key_id, pseudonym, gender) SELECT 'dev', md5(g::text), "
                "'unknown' FROM generate_series(1, 50000) g"
            )
        )
        driver = connection.connection.driver_connection
        events = driver.execute(
            "EXPLAIN " + _EVENT_IDS,
            {
                "pairs": json.dumps([{"system": "bulk", "id": f"new-{i}"} for i in range(500)]),
                "kind": "participation",
            },
        ).fetchall()
        clients = driver.execute(
            "EXPLAIN " + _CLIENTS,
            {"keys": json.dumps([{"key_id": "dev", "pseudonym": f"p{i}"} for i in range(500)])},
        ).fetchall()
    for plan in (events, clients):
        text = "\n".join(line for (line,) in plan)
        assert text.startswith("Nested Loop") and "Index Scan" in text, text
        assert "Hash" not in text and "Seq Scan" not in text, text


def test_a_source_id_of_another_pilots_item_is_refused_without_its_event_id(
    intake_client: FlaskClient, settings: Settings, engines: dict[str, Engine]
) -> None:
    """The pair (source system, source id) names one item: sent again for another pilot, it is
    neither a duplicate (that answer gave away the other pilot's event id) nor a second item."""
    first = post(intake_client, settings, "/v1/referrals", referral(5)).get_json()
    other = auth(settings, role="pilot_worker", pilots=("pilot-b",), subject="worker-b")
    answer = intake_client.post(
        "/v1/referrals", json=referral(5, pilot_id="pilot-b"), headers=other
    )
    body = assert_problem_422(answer)
    assert body["errors"] == [
        {
            "pointer": "#/source_id",
            "detail": "This source id already names an item of another pilot.",
        }
    ]
    assert first["event_id"] not in answer.get_data(as_text=True)
    listed = intake_client.post(
        "/v1/referrals",
        json=[referral(5, pilot_id="pilot-b"), referral(6, pilot_id="pilot-b")],
        headers=other,
    ).get_json()
    assert [r["status"] for r in listed["results"]] == ["rejected", "accepted"]
    assert len(stored(engines["intake"], "intake_event")) == 2


def assert_problem_422(response: Any) -> dict[str, Any]:
    assert response.status_code == 422 and response.mimetype == PROBLEM_JSON
    return response.get_json()
