"""Dead letters (admins): the messages consumers dead-lettered, per queue — metadata only (event
types and ids, reason, counts, times; never data) — and replaying one, all of a queue's, or
discarding one. Every replay and discard is audited. ``usecases.dead_letters`` says how, and
``adapters.dead_letter_queues`` how a message is found in its dead-letter queue."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app
from flask.views import MethodView

from services.notifications.adapters.dead_letter_queues import BrokerUnavailable, DeadLetterQueues
from services.notifications.api.schemas import (
    DeadLetterPage,
    DeadLetterQuery,
    DeadLetterQueueSchema,
    DeadLetterSchema,
    ReplayAllQuery,
    ReplayedSchema,
)
from services.notifications.usecases import dead_letters
from shared.auth import current_principal, require_roles
from shared.http import RETRY_AFTER_SECONDS, problem
from shared.resources import page
from shared.service import ApiBlueprint as Blueprint
from shared.service import service_context

blp = Blueprint(
    "dead-letters",
    __name__,
    url_prefix="/v1/dead-letters",
    description="Messages consumers dead-lettered: list them, replay them, discard them.",
)

#: Where ``create_app`` keeps the process's ``DeadLetterQueues`` (built from the settings).
DEAD_LETTER_QUEUES = "notifications.dead_letter_queues"
BROKER_DOWN = "The message broker is not answering, so nothing was moved. Try again shortly."


def _queues() -> DeadLetterQueues:
    queues: DeadLetterQueues = current_app.extensions[DEAD_LETTER_QUEUES]
    return queues


@blp.errorhandler(BrokerUnavailable)
def _broker_unavailable(error: BrokerUnavailable) -> Response:
    return problem(503, BROKER_DOWN, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


@blp.route("")
class DeadLetters(MethodView):
    @blp.arguments(DeadLetterQuery, location="query")
    @blp.response(200, DeadLetterPage)
    @require_roles("admin")
    def get(self, query: dict[str, Any]) -> Any:
        """Newest first; `queue` (the link of a `message_dead_lettered` notification names it)
        and `state` (`waiting`, `replayed`, `discarded`) filter."""
        filters: dict[str, Any] = {k: query[k] for k in ("queue", "state") if k in query}
        with service_context().unit_of_work() as uow:
            rows = dead_letters.list_dead_letters(
                current_principal(), uow, filters, query["cursor"], query["limit"]
            )
        body, headers = page(rows, query["limit"], "id")
        return body, 200, headers


@blp.route("/queues")
class Queues(MethodView):
    @blp.response(200, DeadLetterQueueSchema(many=True))
    @require_roles("admin")
    def get(self) -> list[dict[str, Any]]:
        """Each queue with dead letters: how many wait, were replayed, were discarded, and how
        many messages its dead-letter queue holds now."""
        with service_context().unit_of_work() as uow:
            return dead_letters.queue_summaries(current_principal(), uow, _queues())


@blp.route("/replay")
class ReplayAll(MethodView):
    @blp.arguments(ReplayAllQuery, location="query")
    @blp.response(200, ReplayedSchema)
    @blp.alt_response(409, description="The queue refused a message, or another admin is busy.")
    @blp.alt_response(503, description="The broker is not answering.")
    @require_roles("admin")
    def post(self, query: dict[str, Any]) -> dict[str, Any]:
        """Every waiting dead letter of the queue back to it, in one pass over its dead-letter
        queue (the messages keep their order)."""
        with service_context().unit_of_work() as uow:
            return dead_letters.replay_all(current_principal(), uow, _queues(), query["queue"])


@blp.route("/<int(max=9223372036854775807):dead_letter_id>/replay")
class Replay(MethodView):
    @blp.response(200, DeadLetterSchema)
    @blp.alt_response(
        409,
        description="Replayed or discarded already, no longer in the dead-letter queue, or "
        "refused by its queue.",
    )
    @blp.alt_response(503, description="The broker is not answering.")
    @require_roles("admin")
    def post(self, dead_letter_id: int) -> dict[str, Any]:
        """The message back to its consumer's queue (published with confirms, then taken out
        of the dead-letter queue)."""
        with service_context().unit_of_work() as uow:
            return dead_letters.replay(current_principal(), uow, _queues(), dead_letter_id)


@blp.route("/<int(max=9223372036854775807):dead_letter_id>/discard")
class Discard(MethodView):
    @blp.response(200, DeadLetterSchema)
    @blp.alt_response(409, description="Replayed or discarded already.")
    @blp.alt_response(503, description="The broker is not answering.")
    @require_roles("admin")
    def post(self, dead_letter_id: int) -> dict[str, Any]:
        """The message out of the dead-letter queue for good (the dead letter stays listed,
        `discarded`)."""
        with service_context().unit_of_work() as uow:
            return dead_letters.discard(current_principal(), uow, _queues(), dead_letter_id)
