"""Group commit: concurrent single-item requests of one process share a transaction, and each still
gets its own answer — its own event, its own rejection, its own failure."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import Engine

from services.intake.domain.items import ItemResult
from services.intake.domain.validation import validate_item
from services.intake.store.group_commit import GroupCommit
from services.intake.usecases.items import Intake
from shared.auth import Principal
from tests.support.intake_data import participation, referral
from tests.support.workers import wait_until

pytestmark = pytest.mark.integration

WORKER_A = Principal("worker-a", "pilot_worker", "org-a", frozenset({"pilot-a"}))
WORKER_B = Principal("worker-b", "pilot_worker", "org-b", frozenset({"pilot-b"}))


def submit_together(
    group_commit: GroupCommit, requests: list[tuple[str, dict[str, Any], Principal]]
) -> list[ItemResult | BaseException]:
    """Hold the first transaction until every other request is waiting, so that they all form
    the next group; returns each request's answer (or the exception it raised)."""
    intake = group_commit.intake
    original = intake.prepare
    first = threading.Event()
    waiting = threading.Event()

    def prepare(*args: Any, **kwargs: Any) -> Any:
        if not first.is_set():
            first.set()
            assert waiting.wait(10), "the other requests never queued"
        return original(*args, **kwargs)

    intake.prepare = prepare  # type: ignore[method-assign]
    answers: list[ItemResult | BaseException | None] = [None] * len(requests)

    def one(i: int) -> None:
        kind, raw, principal = requests[i]
        try:
            answers[i] = group_commit.submit(kind, validate_item(kind, raw), principal)
        except BaseException as exc:
            answers[i] = exc

    try:
        threads = [threading.Thread(target=one, args=(0,))]
        threads[0].start()
        assert first.wait(10)
        threads += [threading.Thread(target=one, args=(i,)) for i in range(1, len(requests))]
        for t in threads[1:]:
            t.start()
        wait_until(
            lambda: len(group_commit._queue) == len(requests) - 1, 10, "the requests to queue"
        )
        waiting.set()
        for t in threads:
            t.join(30)
    finally:
        intake.prepare = original  # type: ignore[method-assign]
    return [a for a in answers if a is not None]


@pytest.fixture
def group_commit(intake_app: Flask) -> GroupCommit:
    return GroupCommit(intake_app.extensions["intake"])


def event_ids(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.execute(sa.text("SELECT id FROM intake_event")).scalars())


def test_waiting_requests_share_one_transaction_and_each_gets_its_own_event(
    group_commit: GroupCommit, engines: dict[str, Engine]
) -> None:
    requests = [("participation", participation(i), WORKER_A) for i in range(8)]
    requests += [("referral", referral(100), WORKER_A)]  # another kind in the same group
    answers = submit_together(group_commit, requests)

    assert (group_commit.transactions, group_commit.items) == (2, 9)  # the first, then the rest
    assert all(isinstance(a, ItemResult) and a.status == "accepted" for a in answers), answers
    assert {a.index for a in answers} == {0}  # type: ignore[union-attr]
    ids = [a.event_id for a in answers]  # type: ignore[union-attr]
    assert len(set(ids)) == 9 and set(ids) == event_ids(engines["intake"])


def test_in_a_group_each_request_is_checked_with_its_own_callers_pilots_and_duplicates_found(
    group_commit: GroupCommit, engines: dict[str, Engine]
) -> None:
    requests = [
        ("participation", participation(1), WORKER_A),
        ("participation", participation(2), WORKER_B),  # pilot-a is not worker B's
        ("participation", participation(3), WORKER_A),
        ("participation", participation(3), WORKER_A),  # the same item, twice at once
    ]
    first, stranger, original, twin = submit_together(group_commit, requests)
    assert isinstance(first, ItemResult) and first.status == "accepted"
    assert isinstance(stranger, ItemResult) and stranger.status == "rejected"
    assert stranger.errors == [{"pointer": "#/pilot_id", "detail": "Not one of your pilots."}]
    assert isinstance(original, ItemResult) and isinstance(twin, ItemResult)
    assert (original.status, twin.status) == ("accepted", "duplicate")
    assert twin.event_id == original.event_id
    assert len(event_ids(engines["intake"])) == 2


def test_a_request_that_fails_does_not_fail_the_others_in_its_group(
    group_commit: GroupCommit, engines: dict[str, Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    intake: Intake = group_commit.intake
    store = intake.store

    def store_failing_on_p5(uow: Any, prepared: Any) -> Any:
        if any(pair[1] == "P-5" for pair in prepared.events):
            raise sa.exc.OperationalError("INSERT", {}, Exception("a storage failure"))
        return store(uow, prepared)

    monkeypatch.setattr(intake, "store", store_failing_on_p5)
    answers = submit_together(
        group_commit, [("participation", participation(i), WORKER_A) for i in range(1, 8)]
    )
    failed = [a for a in answers if isinstance(a, BaseException)]
    accepted = [a for a in answers if isinstance(a, ItemResult) and a.status == "accepted"]
    assert len(failed) == 1 and isinstance(failed[0], sa.exc.OperationalError)
    assert len(accepted) == 6
    assert {a.event_id for a in accepted} == event_ids(engines["intake"])


def test_a_lone_request_is_not_delayed_and_leads_its_own_transaction(
    group_commit: GroupCommit,
) -> None:
    answer: Callable[[], ItemResult] = lambda: group_commit.submit(  # noqa: E731
        "participation", validate_item("participation", participation(1)), WORKER_A
    )
    assert answer().status == "accepted"
    assert answer().status == "duplicate"
    assert (group_commit.transactions, group_commit.items) == (2, 2)
