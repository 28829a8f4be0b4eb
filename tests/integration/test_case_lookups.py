"""Finding a young person's case again (issue 12, use case 1, intake's side): intake keeps its own
case map from the pilots service's ``case.opened`` / ``case.anonymised``, and a worker looks a
young person up by identity code or regional client number — in a POST body, pseudonymised with
the current and earlier keys, answered with the cases of the caller's own pilots only, audited,
and the identifier never stored, logged or echoed."""

from __future__ import annotations

import base64
import dataclasses
import io
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from services.intake.app import create_app
from services.intake.consumers.case_map import CASE_MAP
from services.intake.domain.hetu import parse_identity_code
from services.intake.domain.pseudonym import Pseudonymiser
from services.intake.store import audit
from services.registry import SERVICES
from shared.config import Settings
from shared.db import UnitOfWork, make_session_factory
from shared.messaging import topology
from shared.messaging.consumer import Consumer, Outcome
from shared.messaging.envelope import Envelope
from shared.messaging.events import EventType
from shared.messaging.outbox import OutboxRelay, pending_count
from shared.observability import JsonFormatter
from tests.integration.conftest import INTAKE_TABLES
from tests.integration.test_intake_imports import headers as import_headers
from tests.integration.test_intake_imports import run_worker
from tests.support.api import assert_problem, bearer
from tests.support.consume import deliver
from tests.support.intake_data import hetu, referral
from tests.support.probe import write_events
from tests.support.workers import running, wait_until

pytestmark = pytest.mark.integration

LOOKUPS = "/v1/case-lookups"


# --- helpers ------------------------------------------------------------------------------------


def pseudonymiser(settings: Settings) -> Pseudonymiser:
    return Pseudonymiser.from_setting(settings.pseudonym_keys, settings.pseudonym_key_id)


def case_opened(
    pilot_id: str,
    key_id: str,
    pseudonym: str,
    *,
    case_id: str | None = None,
    case_code: str = "K7QM-3XPD",
    opened_at: str = "2026-10-01T09:00:00+03:00",
    previous_case_id: str | None = None,
    earlier: Any = None,
) -> Envelope:
    data: dict[str, Any] = {
        "case_id": case_id or str(uuid.uuid4()),
        "case_code": case_code,
        "pilot_id": pilot_id,
        "key_id": key_id,
        "pseudonym": pseudonym,
        "previous_case_id": previous_case_id,
        "opened_at": opened_at,
        "referral": {
            "event_id": str(uuid.uuid4()),
            "source_system": "apotti-test",
            "source_id": "R-1",
            "organisation": "org-a",
        },
    }
    if earlier is not None:
        data["earlier_pseudonyms"] = earlier
    return Envelope.new(
        EventType.CASE_OPENED, "/turvaverkko/pilots", data, subject=f"pilot/{pilot_id}"
    )


def case_anonymised(case_id: str, pilot_id: str) -> Envelope:
    return Envelope.new(
        EventType.CASE_ANONYMISED,
        "/turvaverkko/pilots",
        {"case_id": case_id, "pilot_id": pilot_id},
        subject=f"pilot/{pilot_id}",
    )


def open_case(
    consumer: Consumer, settings: Settings, code: str, pilot_id: str = "pilot-a", **kw: Any
) -> str:
    """A case of the young person with identity code ``code``, as pilots would announce it."""
    pseudonym = pseudonymiser(settings).of_identity_code(parse_identity_code(code))
    event = case_opened(pilot_id, pseudonym.key_id, pseudonym.value, **kw)
    assert deliver(consumer, event) == [Outcome.ACK]
    return str(event.data["case_id"])


def worker(settings: Settings, *pilots: str, role: str = "pilot_worker") -> dict[str, str]:
    return bearer(
        settings,
        role,
        pilots=list(pilots or ("pilot-a",)),
        subject="worker-1",
        organisation="org-a",
    )


def look_up(client: FlaskClient, auth: dict[str, str], body: Any, **headers: str) -> Any:
    return client.post(LOOKUPS, json=body, headers=auth | headers)


def audit_entries(engine: Engine, since: int) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT * FROM audit_entry WHERE id > :since ORDER BY id"), {"since": since}
        ).mappings()
        return [dict(r) for r in rows]


def last_audit_id(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(sa.text("SELECT coalesce(max(id), 0) FROM audit_entry")).scalar_one()
        )


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """Every log record of the test, formatted as the services format them."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter("test"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield out
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


# --- referral.received names its source ---------------------------------------------------------


def test_a_referral_event_names_its_source_and_the_submitting_organisation(
    intake_app: Flask, intake_client: FlaskClient, settings: Settings, engines: dict[str, Engine]
) -> None:
    """What pilots needs to tell the referring system which case its referral opened."""
    auth = bearer(settings, "integration", pilots=["pilot-a"], organisation="org-pirha")
    assert intake_client.post("/v1/referrals", json=referral(1), headers=auth).status_code == 201
    no_org = bearer(settings, "integration", pilots=["pilot-a"])
    single = intake_client.post("/v1/referrals", json=[referral(2)], headers=no_org)
    assert single.status_code == 200
    line = (
        "source_system;source_id;pilot_id;personal_identity_code;gender;home_region;"
        f"referring_organisation_type;reason;referred_on\r\napotti-csv;CSV-1;pilot-a;{hetu(3)};"
        "female;08;school;other;1.10.2026\r\n"
    )
    r = intake_client.post(
        "/v1/imports?kind=referral", data=line.encode(), headers=import_headers(settings)
    )
    assert r.status_code == 202
    run_worker(intake_app)
    with engines["intake"].connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT data::jsonb FROM intake_event WHERE kind = 'referral' ORDER BY source_id"
            )
        ).scalars()
        sources = {d["source_id"]: (d["source_system"], d["organisation"]) for d in rows}
    assert sources == {
        "CSV-1": ("apotti-csv", "org-pirha"),
        "R-1": ("apotti-test", "org-pirha"),
        "R-2": ("apotti-test", None),
    }


# --- the case map -------------------------------------------------------------------------------


def test_the_map_takes_each_case_once_and_an_anonymisation_erases_its_link_for_good(
    case_map: Consumer, settings: Settings, engines: dict[str, Engine]
) -> None:
    p = pseudonymiser(settings).of_identity_code(parse_identity_code(hetu(1)))
    opened = case_opened(
        "pilot-a", p.key_id, p.value, earlier=[{"key_id": "k0", "pseudonym": "e" * 64}]
    )
    case_id = opened.data["case_id"]
    again = Envelope.new(opened.type, opened.source, opened.data)  # the same case, another event
    assert deliver(case_map, opened, opened, again) == [Outcome.ACK] * 3
    assert case_map.outcomes["duplicate"] == 1
    with engines["intake"].connect() as connection:
        [row] = connection.execute(sa.text("SELECT * FROM case_map")).mappings()
        known = connection.execute(
            sa.text("SELECT key_id, pseudonym FROM case_pseudonym ORDER BY key_id")
        ).all()
    assert (row["case_id"], row["state"], row["case_code"]) == (case_id, "open", "K7QM-3XPD")
    assert [tuple(k) for k in known] == [(p.key_id, p.value), ("k0", "e" * 64)]

    deliver(case_map, case_anonymised(case_id, "pilot-a"))
    # A late duplicate of the opening (another event id) must not bring the link back.
    deliver(case_map, Envelope.new(opened.type, opened.source, opened.data))
    # An anonymisation that overtakes its case's opening leaves the case anonymised.
    early = case_opened("pilot-a", p.key_id, p.value)
    deliver(case_map, case_anonymised(early.data["case_id"], "pilot-a"), early)
    with engines["intake"].connect() as connection:
        rows = connection.execute(
            sa.text("SELECT state, case_code, key_id, pseudonym FROM case_map")
        ).all()
        assert connection.execute(sa.text("SELECT count(*) FROM case_pseudonym")).scalar() == 0
    assert [tuple(r) for r in rows] == [("anonymised", None, None, None)] * 2


def test_a_later_episode_in_the_map_no_longer_points_at_a_case_made_anonymous(
    case_map: Consumer, settings: Settings, engines: dict[str, Engine]
) -> None:
    p = pseudonymiser(settings).of_identity_code(parse_identity_code(hetu(2)))
    first = case_opened("pilot-a", p.key_id, p.value, case_code="AAAA-2222")
    later = case_opened(
        "pilot-a",
        p.key_id,
        p.value,
        case_code="BBBB-3333",
        previous_case_id=first.data["case_id"],
    )
    deliver(case_map, first, later)
    deliver(case_map, case_anonymised(first.data["case_id"], "pilot-a"))
    with engines["intake"].connect() as connection:
        previous = connection.execute(
            sa.text("SELECT previous_case_id FROM case_map WHERE case_id = :id"),
            {"id": later.data["case_id"]},
        ).scalar_one()
    assert previous is None


def test_the_map_arrives_through_the_broker_and_the_case_map_consumer_is_run_by_turvaverkko(
    settings: Settings, engines: dict[str, Engine], intake_client: FlaskClient
) -> None:
    assert SERVICES["intake"].consumer("case-map") is CASE_MAP
    intake, pilots = engines["intake"], engines["pilots"]  # pilots' outbox plays the publisher
    topology.declare(settings, [CASE_MAP.queue])
    p = pseudonymiser(settings).of_identity_code(parse_identity_code(hetu(5)))
    opened = case_opened("pilot-a", p.key_id, p.value, case_code="BR0K-ER11")
    write_events(pilots, [opened])
    sessions = make_session_factory(intake)
    consumer = Consumer(settings, CASE_MAP, lambda: UnitOfWork(sessions))
    with running(OutboxRelay(settings, pilots, "pilots")), running(consumer):
        wait_until(lambda: pending_count(pilots) == 0, 30, "publishing")
        wait_until(lambda: consumer.outcomes[Outcome.ACK] >= 1, 30, "the case.opened")
    r = look_up(intake_client, worker(settings), {"identity_code": hetu(5)})
    assert r.status_code == 200, r.get_json()
    assert [c["case_code"] for c in r.get_json()["cases"]] == ["BR0K-ER11"]


# --- looking up ---------------------------------------------------------------------------------


def test_a_worker_finds_the_young_persons_cases_in_own_pilots_only_newest_first(
    intake_client: FlaskClient, case_map: Consumer, settings: Settings
) -> None:
    code = hetu(11)
    first = open_case(
        case_map, settings, code, case_code="AAAA-1111", opened_at="2026-03-01T10:00:00Z"
    )
    second = open_case(
        case_map,
        settings,
        code,
        case_code="BBBB-2222",
        opened_at="2026-09-01T10:00:00Z",
        previous_case_id=first,
    )
    elsewhere = open_case(
        case_map,
        settings,
        code,
        pilot_id="pilot-b",
        case_code="CCCC-3333",
        opened_at="2026-10-01T10:00:00Z",
    )
    open_case(case_map, settings, hetu(12), case_code="DDDD-4444")  # someone else

    r = look_up(intake_client, worker(settings), {"identity_code": code})
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == {
        "cases": [
            {
                "case_id": second,
                "case_code": "BBBB-2222",
                "pilot_id": "pilot-a",
                "opened_at": "2026-09-01T10:00:00+00:00",
                "previous_case_id": first,
                "ended_at": None,
            },
            {
                "case_id": first,
                "case_code": "AAAA-1111",
                "pilot_id": "pilot-a",
                "opened_at": "2026-03-01T10:00:00+00:00",
                "previous_case_id": None,
                "ended_at": None,
            },
        ]
    }
    lead = look_up(
        intake_client,
        worker(settings, "pilot-a", "pilot-b", role="pilot_lead"),
        {"identity_code": code},
    )
    assert [c["case_id"] for c in lead.get_json()["cases"]] == [elsewhere, second, first]
    admin = look_up(intake_client, bearer(settings, "admin"), {"identity_code": code})
    assert [c["case_id"] for c in admin.get_json()["cases"]] == [elsewhere, second, first]
    # Written differently — full-width digits, spaces, lower case — it is the same young person.
    folded = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in code).lower()
    again = look_up(intake_client, worker(settings), {"identity_code": f"  {folded} "})
    assert [c["case_id"] for c in again.get_json()["cases"]] == [second, first]


def test_another_pilots_young_person_and_an_unknown_one_get_the_same_404(
    intake_client: FlaskClient, case_map: Consumer, settings: Settings
) -> None:
    open_case(case_map, settings, hetu(21), pilot_id="pilot-b")
    other = assert_problem(
        look_up(intake_client, worker(settings), {"identity_code": hetu(21)}), 404
    )
    unknown = assert_problem(
        look_up(intake_client, worker(settings), {"identity_code": hetu(22)}), 404
    )
    assert {k: v for k, v in other.items() if k != "request_id"} == {
        k: v for k, v in unknown.items() if k != "request_id"
    }
    assert "errors" not in other
    nobody = bearer(settings, "pilot_worker", pilots=[])
    assert_problem(look_up(intake_client, nobody, {"identity_code": hetu(21)}), 404)


def test_an_anonymised_case_is_found_no_more(
    intake_client: FlaskClient, case_map: Consumer, settings: Settings
) -> None:
    case_id = open_case(case_map, settings, hetu(31))
    assert look_up(intake_client, worker(settings), {"identity_code": hetu(31)}).status_code == 200
    deliver(case_map, case_anonymised(case_id, "pilot-a"))
    assert_problem(look_up(intake_client, worker(settings), {"identity_code": hetu(31)}), 404)


def test_a_regional_client_number_finds_the_case_too(
    intake_client: FlaskClient, case_map: Consumer, settings: Settings
) -> None:
    p = pseudonymiser(settings).of_regional_client("lifecare", "C-1234")
    event = case_opened("pilot-a", p.key_id, p.value)
    deliver(case_map, event)
    body = {"client_number": {"client_system": "LifeCare", "client_id": " C-1234"}}
    r = look_up(intake_client, worker(settings), body)
    assert r.status_code == 200, r.get_json()
    assert [c["case_id"] for c in r.get_json()["cases"]] == [event.data["case_id"]]
    # The namespaces are separate: the same text as an identity code is nobody.
    other = {"client_number": {"client_system": "apotti", "client_id": "C-1234"}}
    assert_problem(look_up(intake_client, worker(settings), other), 404)


def test_cases_opened_under_an_earlier_key_are_found_during_a_rotation(
    intake_client: FlaskClient, case_map: Consumer, settings: Settings
) -> None:
    old = open_case(case_map, settings, hetu(41), case_code="OLDK-EY41")  # under "dev"
    # A case opened during an earlier rotation, known under a key intake no longer has and,
    # as its earlier pseudonym, under "dev".
    dev = pseudonymiser(settings).of_identity_code(parse_identity_code(hetu(42)))
    gone = case_opened("pilot-a", "k2024", "a" * 64, earlier={"dev": dev.value})
    deliver(case_map, gone)
    new_key = "k2027:" + base64.b64encode(b"n" * 32).decode()
    rotated = create_app(
        dataclasses.replace(
            settings,
            pseudonym_keys=f"{settings.pseudonym_keys},{new_key}",
            pseudonym_key_id="k2027",
        )
    )
    try:
        client = rotated.test_client()
        r = look_up(client, worker(settings), {"identity_code": hetu(41)})
        assert [c["case_id"] for c in r.get_json()["cases"]] == [old]
        r = look_up(client, worker(settings), {"identity_code": hetu(42)})
        assert [c["case_id"] for c in r.get_json()["cases"]] == [gone.data["case_id"]]
    finally:
        rotated.extensions["turvaverkko"].engine.dispose()
    # Without the rotation, the case known under "dev" only as an earlier pseudonym is found too.
    r = look_up(intake_client, worker(settings), {"identity_code": hetu(42)})
    assert [c["case_id"] for c in r.get_json()["cases"]] == [gone.data["case_id"]]


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"identity_code": "CODE-BAD-CHECK"}, "#/identity_code"),
        ({"identity_code": "ARABIC"}, "#/identity_code"),
        ({"identity_code": 123}, "#/identity_code"),
        (
            {"identity_code": "CODE", "client_number": {"client_system": "a", "client_id": "b"}},
            "#/identity_code",
        ),
        ({}, "#/identity_code"),
        ({"client_number": {"client_system": "lifecare"}}, "#/client_number/client_id"),
        (
            {"client_number": {"client_system": "life care", "client_id": "C-1"}},
            "#/client_number/client_system",
        ),
        ({"identity_code": "CODE", "pseudonym": "x"}, "#/pseudonym"),
    ],
)
def test_a_bad_look_up_is_422_naming_the_field_and_never_echoing_the_value(
    intake_client: FlaskClient, settings: Settings, body: dict[str, Any], pointer: str
) -> None:
    valid = hetu(51)
    wrong_check = valid[:-1] + ("X" if valid[-1] != "X" else "Y")
    arabic = "".join(chr(0x0660 + int(c)) if c.isdigit() else c for c in valid)
    values = {"CODE-BAD-CHECK": wrong_check, "ARABIC": arabic, "CODE": valid}
    body = {k: values.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    r = look_up(intake_client, worker(settings), body)
    problem = assert_problem(r, 422)
    assert pointer in [e.get("pointer") for e in problem["errors"]], problem
    text = r.get_data(as_text=True)
    for secret in (valid, wrong_check, arabic, valid[:6] + valid[7:10]):
        assert secret not in text


def test_coordinators_and_integrations_may_not_look_up(
    intake_client: FlaskClient, case_map: Consumer, settings: Settings
) -> None:
    open_case(case_map, settings, hetu(61))
    for role in ("coordinator", "integration"):
        assert_problem(
            look_up(
                intake_client,
                bearer(settings, role, pilots=["pilot-a"]),
                {"identity_code": hetu(61)},
            ),
            403,
        )


# --- audit, logs, storage -----------------------------------------------------------------------


def test_every_look_up_is_audited_with_its_purpose_and_the_cases_found_never_the_code(
    intake_client: FlaskClient, case_map: Consumer, settings: Settings, engines: dict[str, Engine]
) -> None:
    engine = engines["intake"]
    since = last_audit_id(engine)
    code = hetu(71)
    case_id = open_case(case_map, settings, code)
    look_up(intake_client, worker(settings), {"identity_code": code})
    look_up(
        intake_client, worker(settings), {"identity_code": code}, **{"X-Purpose": "supervision"}
    )
    look_up(intake_client, worker(settings), {"identity_code": hetu(72)})  # nobody: audited too
    bad = look_up(
        intake_client, worker(settings), {"identity_code": code}, **{"X-Purpose": "curiosity"}
    )
    assert assert_problem(bad, 422)["errors"] == [
        {
            "header": "X-Purpose",
            "detail": "One of: case_work, supervision, client_request, data_protection_audit.",
        }
    ]
    entries = audit_entries(engine, since)
    assert [(e["action"], e["purpose"], e["case_ids"]) for e in entries] == [
        ("case_lookup", "case_work", [case_id]),
        ("case_lookup", "supervision", [case_id]),
        ("case_lookup", "case_work", []),
    ]
    assert {(e["subject"], e["role"], e["organisation"]) for e in entries} == {
        ("worker-1", "pilot_worker", "org-a")
    }
    assert all(e["request_id"] for e in entries)
    p = pseudonymiser(settings).of_identity_code(parse_identity_code(code))
    assert not any(code in str(e) or p.value in str(e) for e in entries)
    with Session(engine) as session:
        assert audit.verify(session) == []
    with pytest.raises(sa.exc.DBAPIError), engine.begin() as connection:
        connection.execute(sa.text("UPDATE audit_entry SET purpose = 'other'"))
    with pytest.raises(sa.exc.DBAPIError), engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM audit_entry"))


def test_nothing_of_the_code_is_logged_or_stored_and_the_pseudonym_only_in_the_case_map(
    intake_client: FlaskClient,
    case_map: Consumer,
    settings: Settings,
    engines: dict[str, Engine],
    log_lines: io.StringIO,
) -> None:
    code = hetu(81)
    open_case(case_map, settings, code)
    p = pseudonymiser(settings).of_identity_code(parse_identity_code(code))
    client = {"client_system": "lifecare", "client_id": "ASIAKAS-81"}
    for body in (
        {"identity_code": code},
        {"identity_code": hetu(82)},
        {"identity_code": code[:-1] + "Q"},
        {"client_number": client},
        {"identity_code": code, "client_number": client},
    ):
        look_up(intake_client, worker(settings), body)
    secrets = [code, hetu(82), code[:-1] + "Q", code[:-1], "ASIAKAS-81"]
    text = log_lines.getvalue()
    assert "POST /v1/case-lookups" in text  # the requests were logged, by route only
    assert not [s for s in [*secrets, p.value] if s in text]
    allowed_pseudonym = {"case_map", "case_pseudonym"}
    with engines["intake"].connect() as connection:
        tables = (
            connection.execute(
                sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            )
            .scalars()
            .all()
        )
        for table in tables:
            dump = connection.execute(sa.text(f'SELECT t::text FROM "{table}" t')).scalars().all()
            assert not [s for s in secrets if any(s in row for row in dump)], table
            if table not in allowed_pseudonym:
                assert not any(p.value in row for row in dump), table
    assert set(INTAKE_TABLES) | {"audit_entry"} >= set(tables) - {"alembic_version"}
