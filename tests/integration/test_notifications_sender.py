"""The sender's claims and its clock: a claim is a lease that only its holder records — two
senders whose claims of a delivery overlapped (the second after the first's lease ran out) end
with exactly one outcome, no error, and every other attempt of the pass recorded; time is read at
the claim and at each attempt, so a retry is scheduled from when the attempt failed, not from
when a long pass began, and an attempt whose turn comes after the lease has run out is not made.
And the delivery log's cursor: only ASCII digits within a bigint, else a problem naming it."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from services.notifications.consumers import RULES_CONSUMER
from services.notifications.workers.sender import Pass, Sender
from shared.config import Settings
from shared.db import UnitOfWork, make_session_factory
from shared.messaging.consumer import Consumer
from shared.messaging.events import EventType
from shared.resources import encode_cursor
from tests.support.api import assert_problem, bearer
from tests.support.consume import deliver
from tests.support.notifications import (
    HookReceiver,
    Request,
    loopback_allowed,
    pilot_published,
    task_event,
)

pytestmark = pytest.mark.integration

PILOT, REGION = "pilot-sender", "org-pirha"


@pytest.fixture
def client(notifications_client: FlaskClient) -> FlaskClient:
    return notifications_client


@pytest.fixture
def rules(settings: Settings, engines: dict[str, Engine]) -> Consumer:
    sessions = make_session_factory(engines["notifications"])
    consumer = Consumer(settings, RULES_CONSUMER, lambda: UnitOfWork(sessions))
    deliver(consumer, pilot_published(PILOT, {}, lead="org-lead", partners=(REGION,)))
    return consumer


@pytest.fixture
def sender(settings: Settings, engines: dict[str, Engine]) -> Iterator[Callable[..., Sender]]:
    """Builds senders with changed settings (and a clock), and closes them afterwards."""
    made: list[Sender] = []

    def make(clock: Callable[[], datetime] | None = None, **changes: Any) -> Sender:
        base = dataclasses.replace(loopback_allowed(settings), **changes)
        made.append(Sender(base, engines["notifications"], clock=clock))
        return made[-1]

    yield make
    for built in made:
        built.close()


def register(client: FlaskClient, settings: Settings, url: str) -> None:
    r = client.post(
        "/v1/webhooks",
        json={"organisation": REGION, "url": url, "event_types": ["task.due"]},
        headers=bearer(settings, "admin"),
    )
    assert r.status_code == 201, r.get_json()


def deliveries(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        return list(
            connection.execute(
                sa.text(
                    "SELECT id, message_id, status, attempts, next_attempt_at, last_error, "
                    "claim_token FROM delivery WHERE channel = 'webhook' ORDER BY id"
                )
            )
        )


def attempts(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        return list(
            connection.execute(
                sa.text(
                    "SELECT delivery_id, attempt, started_at, outcome, status_code, error "
                    "FROM delivery_attempt ORDER BY started_at, delivery_id"
                )
            )
        )


class InThread:
    """``run_once`` in a thread of its own; whatever it returns or raises is kept."""

    def __init__(self, call: Callable[[], Pass]) -> None:
        self.done: Pass | None = None
        self.raised: BaseException | None = None
        self._call = call
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self.done = self._call()
        except BaseException as exc:
            self.raised = exc

    def join(self, timeout: float = 30) -> None:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the pass did not end"


def test_of_two_senders_whose_claims_overlapped_only_the_lease_holder_records(
    client: FlaskClient,
    settings: Settings,
    engines: dict[str, Engine],
    rules: Consumer,
    sender: Callable[..., Sender],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Sender A claims three deliveries and sends them one at a time; the first hangs at the
    receiver past A's lease. Sender B then claims that one (its lease has run out) and records
    attempt 1: HTTP 503. When A's request is answered at last (200), A records nothing for it —
    B holds the claim — raises nothing, and records its two other attempts."""
    release = threading.Event()

    def answer(request: Request) -> int:
        if len(receiver.requests) == 1:  # A's first: held until B has tried too
            assert release.wait(20)
            return 200
        return 503 if len(receiver.requests) == 2 else 204  # B's, then A's other two

    with HookReceiver(answer) as receiver:
        register(client, settings, receiver.url())
        deliver(rules, *[task_event(EventType.TASK_DUE, "user-1", PILOT) for _ in range(3)])
        first, second, third = deliveries(engines["notifications"])
        lease = timedelta(seconds=settings.sender_lease_seconds)
        now = datetime.now(UTC)

        a = sender(sender_concurrency=1)  # one at a time, in the order claimed
        b = sender(sender_batch_size=1)  # only the first due: the one A is stuck on
        pass_a = InThread(lambda: a.run_once(now))
        receiver.wait_for(1)
        assert receiver.requests[0].headers["webhook-id"] == first.message_id
        done_b = b.run_once(now + lease + timedelta(seconds=1))
        assert (done_b.claimed, done_b.statuses) == (1, {"pending": 1})
        release.set()
        pass_a.join()

    assert pass_a.raised is None, repr(pass_a.raised)
    assert pass_a.done is not None
    assert (pass_a.done.claimed, pass_a.done.statuses) == (3, {"delivered": 2})
    assert pass_a.done.unrecorded == 1
    assert [r.headers["webhook-id"] for r in receiver.requests] == [
        first.message_id,  # A
        first.message_id,  # B
        second.message_id,  # A
        third.message_id,  # A
    ]
    assert [r.answered for r in receiver.requests] == [200, 503, 204, 204]
    # Exactly one outcome for the first: B's, the lease holder's. A's two others are recorded.
    after = {d.id: d for d in deliveries(engines["notifications"])}
    assert (after[first.id].status, after[first.id].attempts) == ("pending", 1)
    assert after[first.id].last_error == "HTTP 503"
    assert after[first.id].next_attempt_at > now + lease
    assert [(after[d.id].status, after[d.id].attempts) for d in (second, third)] == [
        ("delivered", 1),
        ("delivered", 1),
    ]
    assert all(d.claim_token is None for d in after.values())  # no claim left behind
    logged = [
        (a.delivery_id, a.attempt, a.outcome, a.status_code)
        for a in attempts(engines["notifications"])
    ]
    assert sorted(logged) == [
        (first.id, 1, "retry", 503),
        (second.id, 1, "delivered", 204),
        (third.id, 1, "delivered", 204),
    ]
    assert f"delivery {first.id}: attempt 1 (delivered) not recorded" in caplog.text


def test_time_is_read_at_each_attempt_and_no_attempt_starts_after_its_lease(
    client: FlaskClient,
    settings: Settings,
    engines: dict[str, Engine],
    rules: Consumer,
    sender: Callable[..., Sender],
) -> None:
    """A pass of four webhooks, one at a time, each of which takes the (injected) clock two
    minutes on and fails: each attempt starts when the one before it ended, each retry is
    scheduled from when its attempt failed (not from the pass's start, which would put it in the
    past), and the fourth, whose turn comes after the five-minute lease has run out, is not
    attempted at all — it is claimed again when the lease ends."""
    clock_now: dict[str, datetime] = {}
    step = timedelta(minutes=2)

    def answer(request: Request) -> int:
        clock_now["now"] += step
        return 503

    with HookReceiver(answer) as receiver:
        register(client, settings, receiver.url())
        deliver(rules, *[task_event(EventType.TASK_DUE, "user-1", PILOT) for _ in range(4)])
        start = clock_now["now"] = datetime.now(UTC)
        slow = sender(
            clock=lambda: clock_now["now"], sender_concurrency=1, sender_lease_seconds=300.0
        )
        done = slow.run_once()
        assert len(receiver.requests) == 3

    assert (done.claimed, done.statuses, done.unrecorded) == (4, {"pending": 3}, 1)
    tried = attempts(engines["notifications"])
    assert [a.started_at for a in tried] == [start, start + step, start + 2 * step]
    rows = deliveries(engines["notifications"])
    base = timedelta(seconds=settings.delivery_retry_base_seconds)
    for n, row in enumerate(rows[:3], start=1):
        failed_at = start + n * step
        assert failed_at <= row.next_attempt_at <= failed_at + base, n
    fourth = rows[3]
    assert (fourth.status, fourth.attempts) == ("pending", 0)
    assert fourth.next_attempt_at == start + timedelta(minutes=5)  # the lease's end


@pytest.mark.parametrize(
    "position",
    [
        "²",  # str.isdigit() says yes
        "١٢",  # Arabic-Indic digits
        "12\n",
        "9223372036854775808",  # one past the largest bigint
        "99999999999999999999999999",
        "-1",
        "",
    ],
)
def test_a_delivery_log_cursor_not_of_ascii_digits_within_a_bigint_is_a_problem_naming_it(
    client: FlaskClient, settings: Settings, position: str
) -> None:
    cursor = encode_cursor(position)
    body = assert_problem(
        client.get(f"/v1/deliveries?cursor={cursor}", headers=bearer(settings, "admin")), 422
    )
    assert [e["parameter"] for e in body["errors"]] == ["cursor"], position


def test_the_largest_delivery_log_cursor_is_a_page(client: FlaskClient, settings: Settings) -> None:
    cursor = encode_cursor("9223372036854775807")
    r = client.get(f"/v1/deliveries?cursor={cursor}", headers=bearer(settings, "admin"))
    assert r.status_code == 200 and r.get_json()["items"] == []
