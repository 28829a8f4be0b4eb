"""The delivery log (admins): every e-mail and webhook — and every message held for a digest —
with its status, attempts and last error; one delivery with each of its attempts."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from services.notifications.api.schemas import (
    DeliveryDetailSchema,
    DeliveryPage,
    DeliveryQuery,
)
from services.notifications.usecases import deliveries
from shared.auth import current_principal, require_roles
from shared.resources import page
from shared.service import ApiBlueprint as Blueprint
from shared.service import service_context

blp = Blueprint(
    "deliveries",
    __name__,
    url_prefix="/v1/deliveries",
    description="The delivery log: what was sent, to whom, how often tried, and how it ended.",
)


@blp.route("")
class Deliveries(MethodView):
    @blp.arguments(DeliveryQuery, location="query")
    @blp.response(200, DeliveryPage)
    @require_roles("admin")
    def get(self, query: dict[str, Any]) -> Any:
        """Newest first; filter by status (`failed` shows what gave up after its retries),
        channel, event type, kind, recipient or webhook endpoint."""
        with service_context().unit_of_work() as uow:
            rows = deliveries.list_deliveries(
                current_principal(), uow, query, query["cursor"], query["limit"]
            )
        body, headers = page(rows, query["limit"], "id")
        return body, 200, headers


@blp.route("/<int(max=9223372036854775807):delivery_id>")
class Delivery(MethodView):
    @blp.response(200, DeliveryDetailSchema)
    @require_roles("admin")
    def get(self, delivery_id: int) -> dict[str, Any]:
        """One delivery and every attempt: when, how long, the status code or error."""
        with service_context().unit_of_work() as uow:
            return deliveries.get_delivery(current_principal(), uow, delivery_id)
