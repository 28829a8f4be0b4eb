"""The privacy scan, as an outside tester ran it: through the running stack, known identity codes
and regional client numbers go in by the API (single items, a list, items with a code in the wrong
field or as a JSON key), by a CSV import and by an NDJSON import. Afterwards no table of any
service — every column, bytea decoded — holds one of them; no log line of any process holds one
of them or of their pseudonyms; and no message still queued holds one."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path
from typing import Any

import pika
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from services.intake.domain.hetu import format_identity_code, parse_identity_code
from services.intake.domain.pseudonym import Pseudonymiser
from services.registry import SERVICES
from shared.auth import mint_dev_token
from shared.config import Settings
from shared.messaging import topology
from tests.integration.conftest import INTAKE_TABLES, PILOTS_TABLES
from tests.support.notifications import empty_notifications
from tests.support.stack import start_stack
from tests.support.workers import wait_until

pytestmark = pytest.mark.integration

PILOT = "privacy-pilot"
API_CODES = [format_identity_code(date(2009, 3, 1 + n), 300 + n) for n in range(6)]
CSV_CODES = [format_identity_code(date(2010, 6, 1 + n), 400 + n) for n in range(6)]
NDJSON_CODES = [format_identity_code(date(2011, 9, 1 + n), 500 + n) for n in range(6)]
CLIENT_NUMBERS = [f"ASIAKAS-9{n:04d}" for n in range(4)]
CODES = API_CODES + CSV_CODES + NDJSON_CODES


def _call(method: str, url: str, token: str, body: Any = None, content_type: str = "") -> Any:
    data = body if isinstance(body, bytes) else None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 - loopback only
        url,
        method=method,
        data=data,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": content_type or "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _referral(n: int, code: str | None = None, **extra: Any) -> dict[str, Any]:
    item = {
        "source_system": "privacy-test",
        "source_id": f"PR-{n}",
        "pilot_id": PILOT,
        "gender": "female",
        "home_region": "06",
        "referring_organisation_type": "school",
        "reason": "other",
        "referred_on": "2026-10-01",
    }
    if code is not None:
        item["personal_identity_code"] = code
    return item | extra


def _participation(n: int, code: str) -> dict[str, Any]:
    return {
        "source_system": "privacy-test",
        "source_id": f"PP-{n}",
        "pilot_id": PILOT,
        "personal_identity_code": code,
        "activity_id": "privacy-activity",
        "occurred_at": "2026-10-02T17:00:00",
        "attendance": "attended",
        "kind": "sports",
    }


def _pseudonyms(settings: Settings) -> list[str]:
    pseudonymiser = Pseudonymiser.from_setting(settings.pseudonym_keys, settings.pseudonym_key_id)
    found = [pseudonymiser.of_identity_code(parse_identity_code(c)).value for c in CODES]
    found += [pseudonymiser.of_regional_client("lifecare", n).value for n in CLIENT_NUMBERS]
    return found


def _tables_holding(engine: Engine, secrets: list[str]) -> list[str]:
    """Every table and column (bytea decoded) where one of the secrets appears."""
    hits: list[str] = []
    with engine.connect() as connection:
        tables = connection.execute(
            sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ).scalars()
        for table in tables:
            for row in connection.execute(sa.text(f'SELECT t::text FROM "{table}" t')).scalars():
                hits += [f"{table}: text" for s in secrets if s in row]
            binary = connection.execute(
                sa.text(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_name = :t AND data_type = 'bytea'"
                ),
                {"t": table},
            ).scalars()
            for column in binary:
                for raw in connection.execute(
                    sa.text(f'SELECT "{column}" FROM "{table}"')
                ).scalars():
                    text = bytes(raw or b"").decode("utf-8", "ignore")
                    hits += [f"{table}.{column}: bytes" for s in secrets if s in text]
    return sorted(set(hits))


def _queued_bodies(settings: Settings) -> list[bytes]:
    """Every message still in a queue of the stack (looked at, then left where it was)."""
    names = [
        name
        for spec in (c for d in SERVICES.values() for c in d.consumers)
        for name in (spec.queue.name, spec.queue.dead_letter_queue)
    ]
    connection = pika.BlockingConnection(topology.connection_parameters(settings))
    bodies: list[bytes] = []
    try:
        channel = connection.channel()
        for name in names:
            try:
                while True:
                    method, _, body = channel.basic_get(name, auto_ack=False)
                    if method is None:
                        break
                    bodies.append(body)
            except pika.exceptions.ChannelClosedByBroker:  # a queue this run never declared
                channel = connection.channel()
    finally:
        connection.close()  # what was taken unacknowledged goes back to its queue
    return bodies


def test_no_identity_code_or_client_number_is_kept_logged_or_queued_and_no_pseudonym_logged(
    settings: Settings, engines: dict[str, Engine], tmp_path: Path
) -> None:
    with engines["intake"].begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {', '.join(INTAKE_TABLES)}"))
    with engines["pilots"].begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {', '.join(PILOTS_TABLES)}"))
    empty_notifications(engines["notifications"])
    stack = start_stack(settings, tmp_path, wait_for=("intake", "pilots", "notifications"))
    intake, pilots = stack.url("intake"), stack.url("pilots")
    admin = mint_dev_token(settings, "admin", subject="privacy-admin")
    system = mint_dev_token(
        settings, "integration", pilots=[PILOT], subject="privacy-system", organisation="p-org"
    )
    try:
        assert (
            _call(
                "POST",
                f"{pilots}/v1/organisations",
                admin,
                {"id": "p-org", "name": "P", "type": "ngo"},
            )[0]
            == 201
        )
        pilot = {
            "id": PILOT,
            "name_fi": "Yksityisyys",
            "lead_organisation_id": "p-org",
            "regions": ["06"],
            "theme": "t",
            "target_group": "g",
            "starts_on": "2026-01-01",
            "members": [{"subject": "privacy-worker", "role": "worker"}],
        }
        assert _call("POST", f"{pilots}/v1/pilots", admin, pilot)[0] == 201
        activity = {
            "id": "privacy-activity",
            "pilot_id": PILOT,
            "name": "Kiipeily",
            "activity_type": "sports",
            "schedule": "one_off",
            "starts_at": "2026-09-01T17:00:00+03:00",
            "place_type": "outdoors",
        }
        assert _call("POST", f"{pilots}/v1/activities", admin, activity)[0] == 201, "activity"
        wait_until(
            lambda: (
                _call("POST", f"{intake}/v1/referrals", system, _referral(0, API_CODES[0]))[0]
                == 201
            ),
            60,
            "intake to know the pilot",
            interval=0.25,
        )
        # The API: one item, a list, regional client numbers, a code in the wrong field and as
        # a JSON key (both refused), participations.
        items = [_referral(n, code) for n, code in enumerate(API_CODES[1:], start=1)]
        items += [
            _referral(
                10 + n, client_system="lifecare", client_id=number, birth_year_month="2009-05"
            )
            for n, number in enumerate(CLIENT_NUMBERS)
        ]
        assert _call("POST", f"{intake}/v1/referrals", system, items)[0] == 200
        bad = _call("POST", f"{intake}/v1/referrals", system, _referral(20, reason=API_CODES[1]))
        keyed = _call("POST", f"{intake}/v1/referrals", system, _referral(21) | {API_CODES[2]: 1})
        assert bad[0] == keyed[0] == 422
        assert not any(c.encode() in bad[1] + keyed[1] for c in CODES)
        participations = [_participation(n, code) for n, code in enumerate(API_CODES)]
        wait_until(
            lambda: (
                json.loads(_call("POST", f"{intake}/v1/participations", system, participations)[1])[
                    "rejected"
                ]
                == 0
            ),
            60,
            "intake to know the activity",
            interval=0.25,
        )
        # A Finnish Excel CSV (one row with a broken check character) and an NDJSON file.
        csv = "lähdejärjestelmä;lähdetunniste;pilotti;henkilötunnus;sukupuoli;kotialue;" + (
            "lähettävä_organisaatio;syy;lähetyspäivä\r\n"
        )
        csv += "".join(
            f"privacy-csv;C-{n};{PILOT};{code};nainen;06;school;other;1.10.2026\r\n"
            for n, code in enumerate(CSV_CODES)
        )
        csv += (
            f"privacy-csv;C-bad;{PILOT};{CSV_CODES[0][:-1]}Q;nainen;06;school;other;1.10.2026\r\n"
        )
        ndjson = "".join(
            json.dumps(_participation(100 + n, code)) + "\n" for n, code in enumerate(NDJSON_CODES)
        )
        jobs = []
        for kind, body, media in (
            ("referral", csv.encode("cp1252"), "text/csv"),
            ("participation", ndjson.encode(), "application/x-ndjson"),
        ):
            status, answer = _call("POST", f"{intake}/v1/imports?kind={kind}", system, body, media)
            assert status == 202, answer
            jobs.append(json.loads(answer)["id"])

        def finished() -> bool:
            return all(
                json.loads(_call("GET", f"{intake}/v1/imports/{job}", system)[1])["status"]
                == "finished"
                for job in jobs
            )

        wait_until(finished, 90, "both imports to finish", interval=0.5)
        with engines["intake"].connect() as connection:
            stored = connection.execute(sa.text("SELECT count(*) FROM intake_event")).scalar()
        assert stored == 1 + 5 + len(CLIENT_NUMBERS) + len(API_CODES) + 6 + 6

        def delivered() -> bool:
            with engines["pilots"].connect() as connection:
                return (
                    connection.execute(sa.text("SELECT count(*) FROM timeline_entry")).scalar()
                    == stored
                )

        wait_until(delivered, 90, "every event on its timeline", interval=0.5)
    finally:
        output = stack.stop()
    assert stack.process.returncode == 0, output

    pseudonyms = _pseudonyms(settings)
    assert not [s for s in CODES + CLIENT_NUMBERS + pseudonyms if s in output], "in the logs"
    for service in SERVICES:
        assert _tables_holding(engines[service], CODES + CLIENT_NUMBERS) == [], service
    queued = b"".join(_queued_bodies(settings))
    assert not [s for s in CODES + CLIENT_NUMBERS if s.encode() in queued], "in a queue"
    # The scan itself can find: the pseudonyms are where they belong.
    assert _tables_holding(engines["pilots"], pseudonyms[:1]) != []
