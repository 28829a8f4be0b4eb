"""``POST /v1/referrals``, ``/v1/participations``, ``/v1/outcomes``: one item, or a list of up to
1,000; each item reported as accepted, duplicate or rejected. ``GET /v1/events/{id}``: the state of
an accepted event. HTTP only: the body and the ``Idempotency-Key`` header are parsed here, and
what is accepted, kept and answered is ``usecases.items``."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, current_app, json, request
from flask.views import MethodView
from werkzeug.exceptions import BadRequest

from services.intake.api.schemas import BatchResultSchema, EventStateSchema
from services.intake.usecases import items as usecases
from services.intake.usecases.items import Answer
from shared.auth import current_principal, require_roles
from shared.http import problem
from shared.requests import parse_json
from shared.service import ApiBlueprint as Blueprint
from shared.service import service_context

blp = Blueprint(
    "items",
    __name__,
    url_prefix="/v1",
    description="Client-level items from pilot workers and regional systems.",
)

SUBMITTERS = ("admin", "integration", "pilot_lead", "pilot_worker")
_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,200}")


def _body_schema(name: str) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{name}"}
    return {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [ref, {"type": "array", "items": ref, "minItems": 1, "maxItems": 1000}]
                }
            }
        },
    }


def _items_from_body() -> tuple[list[Any], bool]:
    try:
        body = parse_json(request.get_data(cache=True))
    except ValueError:
        raise BadRequest("The request body is not valid JSON.") from None
    if isinstance(body, dict):
        return [body], True
    if isinstance(body, list) and body:
        limit = service_context().settings.max_items_per_request
        if len(body) > limit:
            raise _Unprocessable(f"At most {limit} items in one request; this one has {len(body)}.")
        return body, False
    raise _Unprocessable("Send one item (an object) or a non-empty list of items.")


class _Unprocessable(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def _render(answer: Answer) -> Response:
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else {}
    body = answer.body
    if answer.status == 422:
        return problem(
            422, "The item is invalid; see errors.", errors=body["errors"], headers=headers
        )
    response = Response(json.dumps(body), status=answer.status, mimetype="application/json")
    response.headers.update(headers)
    if answer.status == 201:
        response.headers["Location"] = f"/v1/events/{body['event_id']}"
    return response


def _submit(kind: str) -> Response:
    principal = current_principal()
    try:
        items, single = _items_from_body()
    except _Unprocessable as exc:
        return problem(422, exc.detail, errors=[{"pointer": "#", "detail": exc.detail}])
    key = request.headers.get("Idempotency-Key")
    if key is not None and not _IDEMPOTENCY_KEY.fullmatch(key):
        return problem(
            422,
            "Idempotency-Key must be 1–200 visible ASCII characters.",
            errors=[{"header": "Idempotency-Key", "detail": "Invalid."}],
        )
    try:
        answer = usecases.accept(
            principal,
            current_app.extensions["intake"],
            current_app.extensions["intake.group_commit"],
            kind,
            items,
            single,
            key,
            request.get_data(cache=True) if key is not None else b"",
        )
    except usecases.IdempotencyKeyReused:
        return problem(
            422,
            "This Idempotency-Key was used with a different request.",
            errors=[{"header": "Idempotency-Key", "detail": "Reused with another body."}],
        )
    return _render(answer)


def _item_route(path: str, kind: str, schema: str, summary: str) -> None:
    class Items(MethodView):
        @blp.doc(
            summary=summary,
            requestBody=_body_schema(schema),
            parameters=[
                {
                    "in": "header",
                    "name": "Idempotency-Key",
                    "required": False,
                    "schema": {"type": "string", "maxLength": 200},
                    "description": "Replaying a request with the same key returns the first answer.",
                }
            ],
        )
        @blp.response(200, BatchResultSchema, description="A list: each item's outcome.")
        @blp.alt_response(201, description="One item, accepted.")
        @blp.alt_response(422, description="One item, rejected; or the list itself is invalid.")
        @require_roles(*SUBMITTERS)
        def post(self) -> Response:
            return _submit(kind)

    Items.__name__ = f"{kind.title()}s"
    blp.route(path)(Items)


_item_route("/referrals", "referral", "Referral", "Refer young people to a pilot")
_item_route(
    "/participations",
    "participation",
    "Participation",
    "Record that young people took part in (or missed) an activity",
)
_item_route("/outcomes", "outcome", "Outcome", "Record outcome measurements")


@blp.route("/events/<string:event_id>")
class EventState(MethodView):
    @blp.response(200, EventStateSchema)
    @require_roles(*SUBMITTERS)
    def get(self, event_id: str) -> dict[str, Any]:
        """The state of an accepted event: stored, or published (confirmed by the broker)."""
        return usecases.event_state(current_principal(), service_context().unit_of_work(), event_id)
