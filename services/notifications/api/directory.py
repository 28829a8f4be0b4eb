"""The directory: who the recipients are (admins keep it), and each organisation's contact person
for its integration (admins, or the organisation's own integration).

A recipient is a user by their token's subject, with the e-mail address, language, role and
organisation notifications need: coordinators and admins are found here by role. Addresses are
personal data: only admins read the directory. A ``PUT`` creates an entry without ``If-Match``;
replacing one needs the ``ETag`` read (428 without, 412 if it changed meanwhile).
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from marshmallow import ValidationError

from services.notifications.api.schemas import (
    ORGANISATION,
    SUBJECT,
    ContactIn,
    ContactSchema,
    RecipientIn,
    RecipientPage,
    RecipientQuery,
    RecipientSchema,
)
from services.notifications.usecases import directory
from shared.auth import current_principal, require_roles
from shared.http import unprocessable
from shared.resources import etag, if_match, page
from shared.service import ApiBlueprint as Blueprint
from shared.service import service_context

blp = Blueprint(
    "directory",
    __name__,
    url_prefix="/v1",
    description="Recipients (admins) and organisations' contact persons.",
)


def expected_version() -> int | None:
    """The version ``If-Match`` names, or None when it is absent (a create)."""
    return if_match() if "If-Match" in request.headers else None


@blp.route("/recipients")
class Recipients(MethodView):
    @blp.arguments(RecipientQuery, location="query")
    @blp.response(200, RecipientPage)
    @require_roles("admin")
    def get(self, query: dict[str, Any]) -> Any:
        """The directory, by subject; filter by role or organisation."""
        filters: dict[str, Any] = {k: query[k] for k in ("role", "organisation") if k in query}
        with service_context().unit_of_work() as uow:
            rows = directory.list_recipients(
                current_principal(), uow, filters, query["cursor"], query["limit"]
            )
        body, headers = page(rows, query["limit"], "subject")
        return body, 200, headers


@blp.route("/recipients/<string:subject>")
class Recipient(MethodView):
    @blp.response(200, RecipientSchema)
    @require_roles("admin")
    def get(self, subject: str) -> Any:
        with service_context().unit_of_work() as uow:
            row = directory.get_recipient(current_principal(), uow, subject)
        return row, 200, etag(row["version"])

    @blp.arguments(RecipientIn)
    @blp.response(200, RecipientSchema)
    @blp.alt_response(201, description="Created.")
    @blp.alt_response(412, description="The entry changed since you read it.")
    @blp.alt_response(428, description="The entry exists and If-Match is missing.")
    @require_roles("admin")
    def put(self, data: dict[str, Any], subject: str) -> Any:
        """Add a user to the directory (201) or replace their entry (200, with `If-Match`)."""
        check_path("subject", subject, SUBJECT)
        with service_context().unit_of_work() as uow:
            row, created = directory.put_recipient(
                current_principal(), uow, subject, data, expected_version
            )
        return row, 201 if created else 200, etag(row["version"])


def check_path(name: str, value: str, rule: Any) -> None:
    """422 naming the path parameter if ``value`` breaks ``rule`` (a marshmallow validator)."""
    try:
        rule(value)
    except ValidationError as exc:
        detail = " ".join(str(message) for message in exc.messages)
        raise unprocessable([{"parameter": name, "detail": detail}]) from None


@blp.route("/organisations/<string:organisation>/contact")
class OrganisationContact(MethodView):
    @blp.response(200, ContactSchema)
    @require_roles("admin", "integration")
    def get(self, organisation: str) -> Any:
        """Who hears of the organisation's integration's imports."""
        check_path("organisation", organisation, ORGANISATION)
        with service_context().unit_of_work() as uow:
            row = directory.get_contact(current_principal(), uow, organisation)
        return row, 200, etag(row["version"])

    @blp.arguments(ContactIn)
    @blp.response(200, ContactSchema)
    @blp.alt_response(201, description="Created.")
    @blp.alt_response(412, description="The contact changed since you read it.")
    @blp.alt_response(428, description="The contact exists and If-Match is missing.")
    @require_roles("admin", "integration")
    def put(self, data: dict[str, Any], organisation: str) -> Any:
        """Name the contact (201), or replace them (200, with `If-Match`). They are told by
        e-mail when an import the integration uploaded finishes or fails."""
        check_path("organisation", organisation, ORGANISATION)
        with service_context().unit_of_work() as uow:
            row, created = directory.put_contact(
                current_principal(), uow, organisation, data, expected_version
            )
        return row, 201 if created else 200, etag(row["version"])
