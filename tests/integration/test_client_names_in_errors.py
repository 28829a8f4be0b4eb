"""A key the client wrote is never repeated in an error unless the API itself declares it as a
field name: an identity code sent as a JSON key (or as a query parameter's name) is placed by its
position in the object, in answers, in stored import errors and in the errors CSV."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from shared.auth import mint_dev_token
from shared.config import Settings
from tests.integration.test_intake_imports import headers, run_worker
from tests.integration.test_intake_items import auth
from tests.support.intake_data import hetu, referral

pytestmark = pytest.mark.integration

CODE = hetu(17)


def test_an_identity_code_sent_as_a_key_of_one_item_is_not_echoed(
    intake_client: FlaskClient, settings: Settings
) -> None:
    item = referral(1) | {CODE: "x"}  # the last key, as written (not sorted by a serialiser)
    r = intake_client.post(
        "/v1/referrals",
        data=json.dumps(item),
        headers=auth(settings) | {"Content-Type": "application/json"},
    )
    assert r.status_code == 422
    assert CODE not in r.get_data(as_text=True)
    [error] = r.get_json()["errors"]
    assert error["pointer"] == "#" and f"key number {len(item)}" in error["detail"]


def test_an_identity_code_sent_as_a_key_in_a_list_is_not_echoed(
    intake_client: FlaskClient, settings: Settings
) -> None:
    r = intake_client.post(
        "/v1/referrals", json=[referral(1), {CODE: "x"} | referral(2)], headers=auth(settings)
    )
    assert r.status_code == 200
    assert CODE not in r.get_data(as_text=True)
    rejected = r.get_json()["results"][1]
    assert rejected["status"] == "rejected"
    assert rejected["errors"][0]["pointer"] == "#"
    assert "key number 1" in rejected["errors"][0]["detail"]


def test_an_identity_code_sent_as_a_key_in_an_ndjson_import_is_neither_stored_nor_served(
    intake_app: Flask, intake_client: FlaskClient, settings: Settings, engines: dict[str, Engine]
) -> None:
    body = json.dumps(referral(1)) + "\n" + json.dumps(referral(2) | {CODE: "x"}) + "\n"
    job_id = intake_client.post(
        "/v1/imports?kind=referral",
        data=body,
        headers=headers(settings, content_type="application/x-ndjson"),
    ).get_json()["id"]
    run_worker(intake_app)
    report = intake_client.get(f"/v1/imports/{job_id}/errors", headers=headers(settings))
    assert report.status_code == 200
    lines = report.get_data(as_text=True).splitlines()
    assert (
        len(lines) == 2 and lines[1].startswith("2,,") and CODE not in report.get_data(as_text=True)
    )
    with engines["intake"].connect() as connection:
        stored = connection.execute(sa.text("SELECT t::text FROM import_error t")).scalars().all()
    assert stored and not any(CODE in row for row in stored)


def test_an_identity_code_sent_as_a_query_parameter_name_is_not_echoed(
    pilots_client: FlaskClient, settings: Settings
) -> None:
    token = mint_dev_token(settings, "admin")
    r = pilots_client.get(f"/v1/cases?{CODE}=1", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 422
    assert CODE not in r.get_data(as_text=True)
