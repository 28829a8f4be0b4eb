"""What operators watch on ``/metrics`` of the notifications service, read from the delivery
table when scraped: deliveries by channel and status (a rise in ``failed`` means receivers or the
mail server are refusing), and how late the most overdue one is (a sender that has stopped, or
cannot keep up)."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy.engine import Engine

_BY_STATUS = sa.text("SELECT channel, status, count(*) FROM delivery GROUP BY channel, status")
_MOST_OVERDUE = sa.text(
    "SELECT channel, extract(epoch FROM now() - min(next_attempt_at)) FROM delivery "
    "WHERE status = 'pending' AND next_attempt_at < now() GROUP BY channel"
)


def delivery_gauges(engine: Engine) -> Iterable[GaugeMetricFamily]:
    deliveries = GaugeMetricFamily(
        "notification_deliveries",
        "Deliveries in the log, by channel and status",
        labels=["channel", "status"],
    )
    overdue = GaugeMetricFamily(
        "notification_delivery_overdue_seconds",
        "How long the most overdue pending delivery has been due, by channel",
        labels=["channel"],
    )
    with engine.connect() as connection:
        for channel, status, count in connection.execute(_BY_STATUS):
            deliveries.add_metric([channel, status], count)
        for channel, seconds in connection.execute(_MOST_OVERDUE):
            overdue.add_metric([channel], float(seconds))
    return [deliveries, overdue]
