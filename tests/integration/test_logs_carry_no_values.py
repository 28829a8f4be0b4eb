"""No log line carries client data: database errors are logged by their class, SQLSTATE, the
schema objects involved and the statement, never by their parameters or the values in their
DETAIL — not from the web app, not from a consumer replaying a failed batch."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from services.pilots.consumers import CASE_EVENTS
from shared.config import Settings
from shared.db import UnitOfWork, make_engine, make_session_factory
from shared.messaging.consumer import Consumer, Outcome
from shared.observability import JsonFormatter
from tests.integration.test_pilots_cases import participation, referral
from tests.support.consume import deliver_batch

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
PSEUDONYM = "f3" * 32  # what a pseudonym looks like: 64 hex characters
TITLE = "Soita Matti Meikäläiselle"  # free text a worker might type


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """Every log record of the test, formatted as the services format them."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter("test"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield out
    finally:
        root.removeHandler(handler)


def test_a_unique_violation_is_logged_without_the_duplicated_value(
    engines: dict[str, Engine], log_lines: io.StringIO
) -> None:
    engine = engines["pilots"]
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TEMP TABLE IF NOT EXISTS probe_unique (p text UNIQUE)"))
        connection.execute(sa.text("INSERT INTO probe_unique VALUES (:p)"), {"p": PSEUDONYM})
        try:
            connection.execute(sa.text("INSERT INTO probe_unique VALUES (:p)"), {"p": PSEUDONYM})
        except sa.exc.IntegrityError as exc:
            logging.getLogger("probe").exception("could not store %s", "it")
            logging.getLogger("probe").warning("it failed: %r", exc)
    text = log_lines.getvalue()
    assert "SQLSTATE 23505" in text and "probe_unique_p_key" in text
    assert PSEUDONYM not in text and "[parameters" not in text


def test_a_value_the_database_cannot_hold_is_logged_without_the_value(
    engines: dict[str, Engine], log_lines: io.StringIO
) -> None:
    with engines["pilots"].connect() as connection:
        try:
            connection.execute(sa.text("SELECT CAST(:t AS text)"), {"t": TITLE + "\x00"})
        except sa.exc.DataError as exc:
            logging.getLogger("probe").error("failed: %s", exc, exc_info=True)
    text = log_lines.getvalue()
    assert "DataError" in text and TITLE not in text and "Matti" not in text


def test_every_engine_hides_the_parameters_of_its_statements(settings: Settings) -> None:
    engine = make_engine(settings.database_url("pilots"))
    try:
        assert engine.hide_parameters
    finally:
        engine.dispose()
    direct = [
        str(path.relative_to(ROOT))
        for folder in ("services", "shared", "bench")
        for path in (ROOT / folder).rglob("*.py")
        if "sa.create_engine(" in path.read_text() and path != ROOT / "shared" / "db.py"
    ]
    assert direct == [], "make engines with shared.db.create_engine, which hides parameters"


def test_a_failing_batch_of_the_case_events_consumer_logs_no_pseudonym(
    settings: Settings, engines: dict[str, Engine], log_lines: io.StringIO
) -> None:
    """The consumer's warning that a batch failed together, and the error of each event replayed
    alone, used to carry the statements' bound parameters: the young people's pseudonyms."""
    engine = engines["pilots"]
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "CREATE OR REPLACE FUNCTION probe_refuse() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'refused %', NEW.pseudonym USING DETAIL = NEW.pseudonym; "
                "END $$ LANGUAGE plpgsql"
            )
        )
        connection.execute(
            sa.text(
                "CREATE TRIGGER probe_refuse BEFORE INSERT ON timeline_entry "
                "FOR EACH ROW EXECUTE FUNCTION probe_refuse()"
            )
        )
    sessions = make_session_factory(engine)
    consumer = Consumer(settings, CASE_EVENTS, lambda: UnitOfWork(sessions))
    try:
        outcome = deliver_batch(
            consumer,
            [participation(PSEUDONYM, "2026-10-01T10:00:00+03:00"), referral("a1" * 32)],
        )
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text("DROP TRIGGER probe_refuse ON timeline_entry"))
            connection.execute(sa.text("DROP FUNCTION probe_refuse()"))
    assert outcome is Outcome.RETRY
    text = log_lines.getvalue()
    assert "SQLSTATE P0001" in text  # what failed is said; with whose data, not
    assert PSEUDONYM not in text and "a1" * 32 not in text
