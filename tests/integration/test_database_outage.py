"""While the database does not answer, the services say so: 503 problem+json with Retry-After
(never 500), readiness 503 — and they recover by themselves when it answers again. The database is
taken away through a TCP proxy the test cuts; the machine's PostgreSQL is never touched."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from flask import Flask

from services.intake.app import create_app as create_intake
from services.pilots.app import create_app as create_pilots
from shared.config import Settings
from tests.support.api import assert_problem, bearer
from tests.support.intake_data import referral, seed_reference_data
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.integration


@pytest.fixture
def proxy(settings: Settings) -> Iterator[TcpProxy]:
    with TcpProxy(urlsplit(settings.postgres_url).port or 5432) as running:
        yield running


def _through(settings: Settings, proxy: TcpProxy) -> Settings:
    url = urlsplit(settings.postgres_url)
    netloc = url.netloc.replace(f":{url.port}", f":{proxy.port}") if url.port else url.netloc
    return dataclasses.replace(settings, postgres_url=url._replace(netloc=netloc).geturl())


@pytest.fixture
def intake_behind_proxy(intake_app: Flask, settings: Settings, proxy: TcpProxy) -> Iterator[Flask]:
    app = create_intake(_through(settings, proxy))
    seed_reference_data(app.extensions["turvaverkko"].unit_of_work)
    yield app
    app.extensions["turvaverkko"].engine.dispose()


def test_items_sent_while_the_database_is_away_get_503_with_retry_after_then_succeed(
    intake_behind_proxy: Flask, settings: Settings, proxy: TcpProxy
) -> None:
    client = intake_behind_proxy.test_client()
    auth = bearer(settings, "integration", pilots=("pilot-a",))
    assert client.post("/v1/referrals", json=referral(1), headers=auth).status_code == 201

    proxy.cut()
    for n in range(2, 6):  # single items (group commit), a list, and a read
        body = assert_problem(client.post("/v1/referrals", json=referral(n), headers=auth), 503)
        assert "database" in body["detail"]
    lists = client.post("/v1/referrals", json=[referral(7), referral(8)], headers=auth)
    assert_problem(lists, 503)
    assert lists.headers["Retry-After"] == "5"
    assert_problem(client.get("/v1/events/x", headers=auth), 503)
    assert_problem(client.get("/health/ready"), 503)

    proxy.restore()
    assert client.post("/v1/referrals", json=referral(2), headers=auth).status_code == 201
    assert client.get("/health/ready").status_code == 200


def test_the_pilots_service_answers_503_while_its_database_is_away(
    pilots_app: Flask, settings: Settings, proxy: TcpProxy
) -> None:
    app = create_pilots(_through(settings, proxy))
    try:
        client = app.test_client()
        admin = bearer(settings, "admin")
        assert client.get("/v1/pilots", headers=admin).status_code == 200
        proxy.cut()
        r = client.get("/v1/cases", headers=admin)
        assert_problem(r, 503)
        assert r.headers["Retry-After"] == "5"
        proxy.restore()
        assert client.get("/v1/pilots", headers=admin).status_code == 200
    finally:
        app.extensions["turvaverkko"].engine.dispose()


def test_a_pooled_connection_left_idle_is_checked_before_use_and_replaced_if_dead(
    settings: Settings, proxy: TcpProxy
) -> None:
    """Without a ping on every checkout, a connection idle long enough is still pinged: one cut
    while it lay in the pool is replaced before a statement uses it; a connection in use a moment
    ago is not pinged (no round trip), so its death surfaces as the statement's error."""
    import sqlalchemy as sa

    from shared.db import create_engine, ping_when_idle

    url = _through(settings, proxy).database_url("intake")
    idle_checked = create_engine(url, pool_size=1, max_overflow=0)
    ping_when_idle(idle_checked, idle=0.0)
    never_checked = create_engine(url, pool_size=1, max_overflow=0)
    ping_when_idle(never_checked, idle=3600.0)
    try:
        for engine in (idle_checked, never_checked):
            with engine.connect() as connection:
                assert connection.execute(sa.text("SELECT 1")).scalar() == 1
        proxy.cut()
        proxy.restore()  # the pooled connections are gone; new ones can be made
        with idle_checked.connect() as connection:
            assert connection.execute(sa.text("SELECT 2")).scalar() == 2
        with pytest.raises(sa.exc.OperationalError), never_checked.connect() as connection:
            connection.execute(sa.text("SELECT 3"))
        with never_checked.connect() as connection:  # the failure discarded the pool
            assert connection.execute(sa.text("SELECT 4")).scalar() == 4
    finally:
        idle_checked.dispose()
        never_checked.dispose()
