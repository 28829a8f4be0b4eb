"""Running notifications: inbox items and finished deliveries are erased once past
``NOTIFICATIONS_RETENTION_DAYS`` — by the sender, at most once an hour — and nothing still to be
sent is; ``/metrics`` shows operators the deliveries by status and how far behind the sender is."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from services.notifications.app import create_app
from services.notifications.store.retention import erase_expired
from services.notifications.workers.sender import Sender
from shared.config import Settings
from tests.support.notifications import empty_notifications, loopback_allowed

pytestmark = pytest.mark.integration

NOW = datetime.now(UTC)
OLD, RECENT = NOW - timedelta(days=200), NOW - timedelta(days=10)
_ids = itertools.count(1)


@pytest.fixture
def engine(engines: dict[str, Engine]) -> Iterator[Engine]:
    empty_notifications(engines["notifications"])
    yield engines["notifications"]
    empty_notifications(engines["notifications"])


def inbox_item(connection: sa.Connection, made: datetime, read: bool) -> int:
    return connection.execute(
        sa.text(
            "INSERT INTO notification (recipient, template, link, created_at, read_at) "
            "VALUES ('worker-aino', 'task_due', '/tasks', :made, :read) RETURNING id"
        ),
        {"made": made, "read": made if read else None},
    ).scalar_one()


def delivery(
    connection: sa.Connection,
    status: str,
    changed: datetime,
    kind: str = "single",
    digest_id: int | None = None,
    attempts: int = 0,
) -> int:
    delivery_id = connection.execute(
        sa.text(
            "INSERT INTO delivery (message_id, channel, kind, destination, recipient, address, "
            "template, link, status, next_attempt_at, digest_id, created_at, updated_at) "
            "VALUES (:m, 'email', :kind, 'worker-aino', 'worker-aino', 'aino@example.org', "
            "'task_due', '/tasks', :status, :next, :digest, :changed, :changed) RETURNING id"
        ),
        {
            "m": f"msg_{next(_ids)}",
            "kind": kind,
            "status": status,
            "next": NOW + timedelta(days=1) if status == "pending" else None,
            "digest": digest_id,
            "changed": changed,
        },
    ).scalar_one()
    for n in range(1, attempts + 1):
        connection.execute(
            sa.text(
                "INSERT INTO delivery_attempt (delivery_id, attempt, started_at, duration_ms, "
                "outcome) VALUES (:d, :n, :at, 5, 'delivered')"
            ),
            {"d": delivery_id, "n": n, "at": changed},
        )
    return delivery_id


def remaining(engine: Engine, table: str) -> set[int]:
    with engine.connect() as connection:
        return set(connection.execute(sa.text(f"SELECT id FROM {table}")).scalars())


def test_what_is_past_its_retention_is_erased_and_nothing_still_to_be_sent(
    settings: Settings, engine: Engine
) -> None:
    with engine.begin() as c:
        old_read, old_unread = inbox_item(c, OLD, read=True), inbox_item(c, OLD, read=False)
        recent_item = inbox_item(c, RECENT, read=False)
        old_delivered = delivery(c, "delivered", OLD, attempts=2)
        old_failed = delivery(c, "failed", OLD, attempts=3)
        old_but_pending = delivery(c, "pending", OLD, attempts=1)  # still to be sent
        recent_delivered = delivery(c, "delivered", RECENT, attempts=1)
        old_digest = delivery(c, "delivered", OLD, kind="digest", attempts=1)
        gathered = delivery(c, "digested", OLD, digest_id=old_digest)
        kept_digest = delivery(c, "delivered", OLD, kind="digest")
        recently_gathered = delivery(c, "digested", RECENT, digest_id=kept_digest)

    sender = Sender(
        dataclasses.replace(loopback_allowed(settings), notifications_retention_days=180), engine
    )
    try:
        done = sender.run_once(now=NOW)
        assert done.erased is not None
        assert (done.erased.inbox_items, done.erased.deliveries) == (2, 4)
        assert remaining(engine, "notification") == {recent_item}
        assert old_read not in remaining(engine, "notification")
        assert old_unread not in remaining(engine, "notification")
        assert remaining(engine, "delivery") == {
            old_but_pending,
            recent_delivered,
            kept_digest,  # a delivery it gathered is kept, and names it
            recently_gathered,
        }
        assert old_delivered not in remaining(engine, "delivery")
        assert {old_failed, gathered, old_digest}.isdisjoint(remaining(engine, "delivery"))
        with engine.connect() as connection:
            attempts = connection.execute(
                sa.text("SELECT delivery_id, count(*) FROM delivery_attempt GROUP BY 1")
            ).all()
        assert dict(attempts) == {old_but_pending: 1, recent_delivered: 1}

        # At most once an hour: the next pass within the hour erases nothing, a later one does.
        with engine.begin() as c:
            inbox_item(c, OLD, read=True)
        assert sender.run_once(now=NOW + timedelta(minutes=30)).erased is None
        later = sender.run_once(now=NOW + timedelta(hours=1))
        assert later.erased is not None and later.erased.inbox_items == 1
    finally:
        sender.close()


def test_metrics_show_deliveries_by_channel_and_status_and_the_most_overdue(
    settings: Settings, engine: Engine
) -> None:
    """What operators alert on: failures piling up, and a sender that has fallen behind."""
    with engine.begin() as c:
        for status in ("delivered", "delivered", "failed", "pending"):
            delivery(c, status, RECENT)
        overdue = delivery(c, "pending", RECENT)
        c.execute(
            sa.text(
                "UPDATE delivery SET next_attempt_at = now() - interval '10 minutes' WHERE id = :id"
            ),
            {"id": overdue},
        )
    app = create_app(settings)
    try:
        text = app.test_client().get("/metrics").get_data(as_text=True)
    finally:
        app.extensions["turvaverkko"].engine.dispose()
    samples = {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("notification_")
    }
    assert samples['notification_deliveries{channel="email",status="delivered"}'] == 2
    assert samples['notification_deliveries{channel="email",status="failed"}'] == 1
    assert samples['notification_deliveries{channel="email",status="pending"}'] == 2
    overdue_seconds = samples['notification_delivery_overdue_seconds{channel="email"}']
    assert 600 <= overdue_seconds < 900


def test_a_digest_still_named_by_a_kept_delivery_does_not_stop_the_erasing(engine: Engine) -> None:
    """Batches go in id order: a batch that must keep one of its deliveries is not taken for
    the last one."""
    with engine.begin() as c:
        kept_digest = delivery(c, "delivered", OLD, kind="digest")
        delivery(c, "digested", RECENT, digest_id=kept_digest)  # names it, and is kept
        old = [delivery(c, "delivered", OLD) for _ in range(3)]
    erased = erase_expired(engine, NOW, 180, batch=2)
    assert erased.deliveries == 3
    assert set(old).isdisjoint(remaining(engine, "delivery"))
    assert kept_digest in remaining(engine, "delivery")
