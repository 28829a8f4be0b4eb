"""``POST /v1/referrals``, ``/v1/participations``, ``/v1/outcomes``: one item, or a list of up to
1,000; each item reported as accepted, duplicate or rejected. ``GET /v1/events/{id}``: the state of
an accepted event."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import orjson
import sqlalchemy as sa
from flask import Response, current_app, json, request
from flask.views import MethodView
from sqlalchemy.dialects.postgresql import insert
from werkzeug.exceptions import BadRequest, Conflict, NotFound

from services.intake.api.schemas import BatchResultSchema, EventStateSchema
from services.intake.domain.validation import validate_item
from services.intake.store.group_commit import GroupCommit
from services.intake.store.intake import Intake, ItemResult
from services.intake.store.tables import idempotent_request, intake_event
from shared.auth import Principal, current_principal, require_roles
from shared.db import UnitOfWork
from shared.http import problem
from shared.messaging.schema import outbox
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


def intake() -> Intake:
    return current_app.extensions["intake"]


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


def _response(results: list[ItemResult], single: bool) -> tuple[int, dict[str, Any]]:
    if single:
        result = results[0]
        if result.status == "rejected":
            return 422, {"errors": result.errors}
        return (201 if result.status == "accepted" else 200), result.as_dict()
    counts = {s: sum(r.status == s for r in results) for s in ("accepted", "duplicate", "rejected")}
    return 200, {
        "accepted": counts["accepted"],
        "duplicates": counts["duplicate"],
        "rejected": counts["rejected"],
        "results": [r.as_dict() for r in results],
    }


def _render(status: int, body: dict[str, Any], replayed: bool = False) -> Response:
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    if status == 422:
        return problem(
            422, "The item is invalid; see errors.", errors=body["errors"], headers=headers
        )
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    response.headers.update(headers)
    if status == 201:
        response.headers["Location"] = f"/v1/events/{body['event_id']}"
    return response


def _submit(kind: str) -> Response:
    principal = current_principal()
    try:
        items, single = _items_from_body()
    except _Unprocessable as exc:
        return problem(422, exc.detail, errors=[{"pointer": "#", "detail": exc.detail}])
    key = request.headers.get("Idempotency-Key")
    if key is None and single:
        # One item: stored together with other requests arriving meanwhile (see group_commit).
        group_commit: GroupCommit = current_app.extensions["intake.group_commit"]
        result = group_commit.submit(kind, validate_item(kind, items[0]), principal)
        return _render(*_response([result], single))
    if key is None:
        return _render(*_response(intake().submit(kind, items, principal), single))
    if not _IDEMPOTENCY_KEY.fullmatch(key):
        return problem(
            422,
            "Idempotency-Key must be 1–200 visible ASCII characters.",
            errors=[{"header": "Idempotency-Key", "detail": "Invalid."}],
        )
    fingerprint = hashlib.sha256(kind.encode() + b"\0" + request.get_data(cache=True)).hexdigest()
    replay = _stored_response(principal, key, fingerprint)
    if replay is not None:
        return replay

    def remember(uow: UnitOfWork, results: list[ItemResult]) -> None:
        status, body = _response(results, single)
        stored = uow.session.execute(
            insert(idempotent_request).on_conflict_do_nothing().returning(idempotent_request.c.key),
            {
                "caller": caller_key(principal),
                "key": key,
                "fingerprint": fingerprint,
                "status": status,
                "body": body,
            },
        ).first()
        if stored is None:  # a concurrent request with the same key won; nothing is stored here
            raise Conflict("A request with this Idempotency-Key is being processed; retry it.")

    results = intake().submit(kind, items, principal, extra=remember)
    return _render(*_response(results, single))


def caller_key(principal: Principal) -> str:
    """Whom a stored answer belongs to: the SHA-256 of the role, organisation, subject and sorted
    pilots of the token. A token with the same subject and any other of these is another caller,
    whose request is checked on its own (its pilots may not be the first one's); the hash keeps
    the subject out of the table."""
    caller = [principal.role, principal.organisation, principal.subject, sorted(principal.pilots)]
    return hashlib.sha256(orjson.dumps(caller)).hexdigest()


def _stored_response(principal: Principal, key: str, fingerprint: str) -> Response | None:
    with service_context().engine.connect() as connection:
        row = connection.execute(
            sa.select(idempotent_request).where(
                idempotent_request.c.caller == caller_key(principal),
                idempotent_request.c.key == key,
            )
        ).first()
    if row is None:
        return None
    if row.fingerprint != fingerprint:
        return problem(
            422,
            "This Idempotency-Key was used with a different request.",
            errors=[{"header": "Idempotency-Key", "detail": "Reused with another body."}],
        )
    return _render(row.status, row.body, replayed=True)


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
        principal = current_principal()
        with service_context().engine.connect() as connection:
            row = connection.execute(
                sa.select(
                    intake_event.c.id,
                    intake_event.c.kind,
                    intake_event.c.pilot_id,
                    intake_event.c.source_system,
                    intake_event.c.received_at,
                    outbox.c.sent_at,
                    outbox.c.id.label("outbox_id"),
                )
                .select_from(intake_event.outerjoin(outbox, outbox.c.event_id == intake_event.c.id))
                .where(intake_event.c.id == event_id)
            ).first()
        if row is None or (principal.role != "admin" and row.pilot_id not in principal.pilots):
            raise NotFound("No such event among your pilots.")
        # A missing outbox row was published and later purged: rows leave only after the confirm.
        published = row.outbox_id is None or row.sent_at is not None
        return {
            "id": row.id,
            "kind": row.kind,
            "pilot_id": row.pilot_id,
            "source_system": row.source_system,
            "received_at": row.received_at,
            "state": "published" if published else "stored",
            "published_at": row.sent_at,
        }
