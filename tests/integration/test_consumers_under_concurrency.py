"""Consumers never deadlock with themselves: handler threads applying batches over the same young
people at once — referrals, participations and outcomes, in every order — take their locks in one
global order; so do the notifications rules consumer's threads applying batches of idle cases
gathered into the same few items. Every batch succeeds on its first try (a deadlock would be retried, replayed event
by event and counted toward the delivery limit), and the result is what applying the events one
by one gives."""

from __future__ import annotations

import logging
import random
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from services.notifications.consumers import RULES_CONSUMER
from services.pilots.consumers import AGGREGATES, CASE_EVENTS
from shared.config import Settings
from shared.db import UnitOfWork, make_session_factory
from shared.messaging.consumer import Consumer, ConsumerSpec, Outcome
from shared.messaging.envelope import Envelope
from tests.integration.test_pilots_cases import outcome, participation, pilots, referral
from tests.support.consume import deliver, deliver_batch
from tests.support.notifications import idle_event, pilot_published

pytestmark = pytest.mark.integration
__all__ = ["pilots"]  # the fixture, imported for its effect

THREADS, BATCHES, PER_BATCH, PEOPLE = 4, 12, 60, 25


def _events(seed: int) -> list[list[Envelope]]:
    """Batches of one event type each, over the same few young people in shuffled orders."""
    rng = random.Random(seed)
    people = [f"{n:064x}" for n in range(PEOPLE)]
    start = datetime(2026, 9, 1, 12, tzinfo=UTC)
    batches: list[list[Envelope]] = []
    for b in range(BATCHES):
        chosen = [rng.choice(people) for _ in range(PER_BATCH)]
        kind = b % 3
        if kind == 0:
            batches.append(
                [referral(p, on=f"2026-09-{1 + n % 20:02d}") for n, p in enumerate(chosen)]
            )
        elif kind == 1:
            at = [(start + timedelta(hours=rng.randrange(2000))).isoformat() for _ in chosen]
            batches.append([participation(p, t) for p, t in zip(chosen, at, strict=True)])
        else:
            batches.append([outcome(p, f"2026-10-{1 + n % 28:02d}") for n, p in enumerate(chosen)])
    return batches


@pytest.fixture
def failures() -> Iterator[list[logging.LogRecord]]:
    """Every record of a batch that failed together, or of an event that failed alone."""
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                records.append(record)

    handler = Collect()
    logger = logging.getLogger("shared.messaging.consumer")
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


def _concurrently(
    consumer: Consumer, batches_per_thread: list[list[list[Envelope]]]
) -> list[Outcome]:
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    go = threading.Barrier(len(batches_per_thread))

    def work(batches: list[list[Envelope]]) -> None:
        go.wait()
        for batch in batches:
            result = deliver_batch(consumer, batch)
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=work, args=(b,)) for b in batches_per_thread]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return outcomes


def _consumer(settings: Settings, engine: Engine, spec: ConsumerSpec) -> Consumer:
    sessions = make_session_factory(engine)
    return Consumer(settings, spec, lambda: UnitOfWork(sessions))


@pytest.mark.parametrize("spec", [CASE_EVENTS, AGGREGATES], ids=["case-events", "aggregates"])
def test_overlapping_batches_on_four_threads_never_deadlock(
    settings: Settings,
    engines: dict[str, Engine],
    pilots_client: FlaskClient,
    pilots: None,
    failures: list[logging.LogRecord],
    spec: ConsumerSpec,
) -> None:
    engine = engines["pilots"]
    consumer = _consumer(settings, engine, spec)
    per_thread = [_events(seed) for seed in range(THREADS)]
    outcomes = _concurrently(consumer, per_thread)

    assert outcomes == [Outcome.ACK] * THREADS * BATCHES
    assert [r.getMessage() for r in failures] == [], "no batch failed, none was replayed"
    if spec is CASE_EVENTS:
        _assert_cases_follow_their_timelines(engine, per_thread)


def _assert_cases_follow_their_timelines(
    engine: Engine, per_thread: list[list[list[Envelope]]]
) -> None:
    events = [e for batches in per_thread for batch in batches for e in batch]
    with engine.connect() as connection:
        entries = connection.execute(sa.text("SELECT count(*) FROM timeline_entry")).scalar()
        cases = connection.execute(
            sa.text(
                "SELECT c.pseudonym, c.last_activity_at = max(t.occurred_at) AS follows, "
                "(SELECT count(*) FROM case_transition x WHERE x.case_id = c.id) AS moves "
                "FROM pilot_case c JOIN timeline_entry t USING (pilot_id, key_id, pseudonym) "
                "GROUP BY c.id, c.pseudonym, c.last_activity_at"
            )
        ).all()
    referred = {e.data["pseudonym"] for e in events if e.type == "referral.received"}
    assert entries == len(events), "every event on its timeline once"
    assert {c.pseudonym for c in cases} == referred, "one case per young person referred"
    assert all(c.follows for c in cases), "each case's last activity is its timeline's latest"
    assert all(c.moves == 1 for c in cases), "each case opened once"


def _idle_batches(seed: int, pilots: list[str], workers: list[str]) -> list[list[Envelope]]:
    """Batches of idle cases over the same pilots and people in shuffled orders: some with a
    responsible worker, some without (told to the pilot's leads)."""
    rng = random.Random(seed)
    morning = datetime(2026, 12, 3, 7, 30, tzinfo=UTC)
    return [
        [
            idle_event(rng.choice(pilots), rng.choice([*workers, None]), at=morning)
            for _ in range(PER_BATCH)
        ]
        for _ in range(BATCHES)
    ]


def test_idle_cases_gathered_on_four_threads_never_deadlock(
    settings: Settings,
    engines: dict[str, Engine],
    notifications_app: Flask,
    failures: list[logging.LogRecord],
) -> None:
    """Every batch of idle cases updates the same few gathered items (one per person, pilot and
    day) — in a different order each — and succeeds on its first try; each item counts exactly
    the cases it gathered."""
    engine = engines["notifications"]
    consumer = _consumer(settings, engine, RULES_CONSUMER)
    pilots, workers = ["pilot-idle-1", "pilot-idle-2", "pilot-idle-3"], ["w-1", "w-2", "w-3"]
    members = {w: "worker" for w in workers} | {"lead-1": "lead", "lead-2": "lead"}
    deliver(consumer, *(pilot_published(p, members) for p in pilots))
    per_thread = [_idle_batches(seed, pilots, workers) for seed in range(THREADS)]
    outcomes = _concurrently(consumer, per_thread)

    assert outcomes == [Outcome.ACK] * THREADS * BATCHES
    assert [r.getMessage() for r in failures] == [], "no batch failed, none was replayed"
    expected: Counter[tuple[str, str]] = Counter()
    for event in (e for batches in per_thread for batch in batches for e in batch):
        worker = event.data["responsible_worker"]
        for told in [worker] if worker else ["lead-1", "lead-2"]:
            expected[(told, event.data["pilot_id"])] += 1
    with engine.connect() as connection:
        counted = connection.execute(
            sa.text(
                "SELECT recipient, split_part(gather_key, '/', 2), (params->>'count')::int "
                "FROM notification"
            )
        ).all()
    assert {(r, p): n for r, p, n in counted} == dict(expected)
    assert len(counted) == len(expected), "one item per person and pilot"


def test_pilot_publications_and_idle_cases_on_four_threads_never_deadlock(
    settings: Settings,
    engines: dict[str, Engine],
    notifications_app: Flask,
    failures: list[logging.LogRecord],
) -> None:
    """Batches of ``pilot.published`` over the same pilots in shuffled orders, beside batches of
    idle cases that gather for them: every batch takes the pilots' locks in one order, so each
    succeeds on its first try."""
    engine = engines["notifications"]
    consumer = _consumer(settings, engine, RULES_CONSUMER)
    pilots, workers = ["pilot-pub-1", "pilot-pub-2", "pilot-pub-3"], ["w-1", "w-2"]
    members = {w: "worker" for w in workers} | {"lead-1": "lead"}
    deliver(consumer, *(pilot_published(p, members) for p in pilots))
    per_thread = []
    for seed in range(THREADS):
        rng = random.Random(seed)
        batches = _idle_batches(seed, pilots, workers)
        for n, _ in enumerate(list(batches)):
            order = rng.sample(pilots, len(pilots))
            version = 2 + seed * BATCHES + n
            batches.insert(2 * n, [pilot_published(p, members, version=version) for p in order])
        per_thread.append(batches)
    outcomes = _concurrently(consumer, per_thread)

    assert outcomes == [Outcome.ACK] * sum(map(len, per_thread))
    assert [r.getMessage() for r in failures] == [], "no batch failed, none was replayed"
