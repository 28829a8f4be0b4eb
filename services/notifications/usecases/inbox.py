"""A user's inbox and preferences: reading their notifications (each rendered in the reader's
language, with absolute links into the web UI), marking them read, and choosing how they are
told.

Every caller reaches only their own inbox — the principal's subject, whatever their role: another
user's notification is not found, as if it did not exist. The reader's language is their
preference, else the directory's, else Finnish (``store.directory.person``).
"""

from __future__ import annotations

from typing import Any

from services.notifications.domain.messages import render
from services.notifications.store import directory, inbox
from shared.db import UnitOfWork
from shared.principal import Principal


def shown(item: dict[str, Any], language: str, link_base: str) -> dict[str, Any]:
    """An inbox row as the UI shows it: rendered in the reader's language, with absolute links
    (``link_base``: the web UI's address, ``NOTIFICATIONS_LINK_BASE``)."""
    base = link_base.rstrip("/")
    message = render(item["template"], language, item["params"])
    digested = item["params"].get("items", []) if item["template"] == "digest" else []
    items = [
        {
            "kind": sub["template"],
            "title": render(sub["template"], language, sub["params"]).title,
            "link": base + sub["link"],
        }
        for sub in digested
    ]
    return item | {
        "kind": item["template"],
        "title": message.title,
        "text": message.text,
        "link": base + item["link"],
        "read": item["read_at"] is not None,
        "items": items,
    }


def list_notifications(
    principal: Principal,
    uow: UnitOfWork,
    cursor: str | None,
    limit: int,
    unread_only: bool,
    link_base: str,
) -> list[dict[str, Any]]:
    """Up to ``limit + 1`` of the caller's notifications, unread first, newest first in each
    part, shown; each has its ``position`` (the page's cursor)."""
    subject = principal.subject
    rows = inbox.page(uow.session, subject, cursor, limit, unread_only)
    language = directory.language_of(uow.session, subject)
    return [shown(r, language, link_base) for r in rows]


def unread_count(principal: Principal, uow: UnitOfWork) -> int:
    return inbox.unread_count(uow.session, principal.subject)


def mark_all_read(principal: Principal, uow: UnitOfWork, up_to: int | None) -> int:
    """Mark all the caller's unread notifications read — up to ``up_to`` if given, so that one
    that arrived since they looked stays unread; how many."""
    marked = inbox.mark_all_read(uow.session, principal.subject, up_to)
    uow.commit()
    return marked


def get_notification(
    principal: Principal, uow: UnitOfWork, item_id: int, link_base: str
) -> dict[str, Any]:
    """One of the caller's notifications, shown (not found if it is someone else's)."""
    item = inbox.get(uow.session, principal.subject, item_id)
    return shown(item, directory.language_of(uow.session, principal.subject), link_base)


def mark_read(
    principal: Principal, uow: UnitOfWork, item_id: int, link_base: str
) -> dict[str, Any]:
    """Mark one of the caller's notifications read (marking it again changes nothing)."""
    item = inbox.mark_read(uow.session, principal.subject, item_id)
    language = directory.language_of(uow.session, principal.subject)
    uow.commit()
    return shown(item, language, link_base)


def preferences(principal: Principal, uow: UnitOfWork) -> dict[str, Any]:
    """How the caller is told, per channel, and in which language; the defaults (version 0) if
    they never chose."""
    return directory.preferences(uow.session, principal.subject)


def choose_preferences(
    principal: Principal, uow: UnitOfWork, values: dict[str, Any], expected_version: int
) -> dict[str, Any]:
    """Store the caller's choice if their preferences are still at ``expected_version`` (0:
    they never chose); precondition failed if they changed meanwhile (in another tab)."""
    row = directory.put_preferences(uow.session, principal.subject, values, expected_version)
    uow.commit()
    return row
