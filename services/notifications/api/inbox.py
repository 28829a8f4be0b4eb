"""The in-app inbox and each user's preferences: what the web UI shows and lets a user choose.

Every caller sees only their own inbox (the token's subject): another user's notification is 404,
as if it did not exist. Titles and texts are in the reader's language; links are absolute
addresses in the web UI.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from services.notifications.api.schemas import (
    InboxQuery,
    MarkAllIn,
    MarkedSchema,
    NotificationPage,
    NotificationSchema,
    PreferencesIn,
    PreferencesSchema,
    UnreadSchema,
)
from services.notifications.usecases import inbox
from shared.auth import ROLES, current_principal, require_roles
from shared.resources import etag, if_match, page
from shared.service import ApiBlueprint as Blueprint
from shared.service import service_context

blp = Blueprint(
    "inbox",
    __name__,
    url_prefix="/v1/notifications",
    description="Your notifications, unread first; marking them read; your preferences.",
)


def _link_base() -> str:
    return service_context().settings.notifications_link_base


@blp.route("")
class Inbox(MethodView):
    @blp.arguments(InboxQuery, location="query")
    @blp.response(200, NotificationPage)
    @require_roles(*ROLES)
    def get(self, query: dict[str, Any]) -> Any:
        """Your notifications: unread first, then read, newest first in each."""
        with service_context().unit_of_work() as uow:
            rows = inbox.list_notifications(
                current_principal(),
                uow,
                query["cursor"],
                query["limit"],
                query.get("unread", False),
                _link_base(),
            )
        body, headers = page(rows, query["limit"], "position")
        return body, 200, headers


@blp.route("/unread-count")
class UnreadCount(MethodView):
    @blp.response(200, UnreadSchema)
    @require_roles(*ROLES)
    def get(self) -> dict[str, int]:
        with service_context().unit_of_work() as uow:
            return {"unread": inbox.unread_count(current_principal(), uow)}


@blp.route("/read")
class MarkAll(MethodView):
    @blp.arguments(MarkAllIn(), required=False)
    @blp.response(200, MarkedSchema)
    @require_roles(*ROLES)
    def post(self, data: dict[str, Any] | None) -> dict[str, int]:
        """Mark all your unread notifications read — up to `up_to` if given, so that one that
        arrived since you looked stays unread."""
        with service_context().unit_of_work() as uow:
            marked = inbox.mark_all_read(current_principal(), uow, (data or {}).get("up_to"))
        return {"marked": marked}


@blp.route("/<int(max=9223372036854775807):item_id>")
class Item(MethodView):
    @blp.response(200, NotificationSchema)
    @require_roles(*ROLES)
    def get(self, item_id: int) -> dict[str, Any]:
        """One of your notifications (an e-mail links here)."""
        with service_context().unit_of_work() as uow:
            return inbox.get_notification(current_principal(), uow, item_id, _link_base())


@blp.route("/<int(max=9223372036854775807):item_id>/read")
class MarkOne(MethodView):
    @blp.response(200, NotificationSchema)
    @require_roles(*ROLES)
    def post(self, item_id: int) -> dict[str, Any]:
        """Mark one of your notifications read (marking it again changes nothing)."""
        with service_context().unit_of_work() as uow:
            return inbox.mark_read(current_principal(), uow, item_id, _link_base())


@blp.route("/preferences")
class Preferences(MethodView):
    @blp.response(200, PreferencesSchema)
    @require_roles(*ROLES)
    def get(self) -> Any:
        """How you are told, per channel — `immediate`, a daily `digest`, or `off` — and in
        which language (none: the directory's)."""
        with service_context().unit_of_work() as uow:
            found = inbox.preferences(current_principal(), uow)
        return found, 200, etag(found["version"])

    @blp.arguments(PreferencesIn)
    @blp.response(200, PreferencesSchema)
    @blp.alt_response(412, description="Your preferences changed since you read them.")
    @blp.alt_response(428, description="If-Match is missing.")
    @require_roles(*ROLES)
    def put(self, data: dict[str, Any]) -> Any:
        """Choose per channel; send `If-Match` with the ETag you read (`"0"` before you first
        chose)."""
        expected = if_match()
        with service_context().unit_of_work() as uow:
            row = inbox.choose_preferences(current_principal(), uow, data, expected)
        return row, 200, etag(row["version"])
