"""The directory: who the recipients are (admins keep it), and each organisation's contact person
for its integration (an admin, or the organisation's own integration).

A recipient is a user by their token's subject, with the e-mail address, language, role and
organisation notifications need. Addresses are personal data: only admins read the directory. A
put creates an entry when no version is named; replacing one needs the version read
(precondition required without, failed if it changed meanwhile).

The version a put names (``If-Match``) is read only once the caller may act on the entry
(``expected_version``, a function): a caller refused is told so, whatever the header says.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.notifications.store import directory
from services.notifications.usecases.access import admins_only, ensure_organisation
from shared.db import UnitOfWork
from shared.principal import Principal

#: The version a put names, or None when it names none (a create); read when it is needed.
ExpectedVersion = Callable[[], int | None]

_ADMINS = "Only admins keep the directory."


def list_recipients(
    principal: Principal,
    uow: UnitOfWork,
    filters: dict[str, Any],
    cursor: str | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Up to ``limit + 1`` entries by subject; ``filters``: ``role``, ``organisation``."""
    admins_only(principal, _ADMINS)
    return directory.page_recipients(uow.session, filters, cursor, limit)


def get_recipient(principal: Principal, uow: UnitOfWork, subject: str) -> dict[str, Any]:
    admins_only(principal, _ADMINS)
    return directory.get_recipient(uow.session, subject)


def put_recipient(
    principal: Principal,
    uow: UnitOfWork,
    subject: str,
    values: dict[str, Any],
    expected_version: ExpectedVersion,
) -> tuple[dict[str, Any], bool]:
    """Add a user to the directory, or replace their entry; (entry, created)."""
    admins_only(principal, _ADMINS)
    row, created = directory.put_recipient(uow.session, subject, values, expected_version())
    uow.commit()
    return row, created


def get_contact(principal: Principal, uow: UnitOfWork, organisation: str) -> dict[str, Any]:
    """Who hears of the organisation's integration's imports."""
    ensure_organisation(principal, organisation)
    return directory.get_contact(uow.session, organisation)


def put_contact(
    principal: Principal,
    uow: UnitOfWork,
    organisation: str,
    values: dict[str, Any],
    expected_version: ExpectedVersion,
) -> tuple[dict[str, Any], bool]:
    """Name the organisation's contact, or replace them; (contact, created)."""
    ensure_organisation(principal, organisation)
    row, created = directory.put_contact(uow.session, organisation, values, expected_version())
    uow.commit()
    return row, created
