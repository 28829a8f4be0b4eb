"""Who may do what in the notifications service, said once for every use case: admins only (the
directory, the rules, the delivery log, dead letters), an admin for every organisation or an
integration for its own (contacts, webhooks). Each inbox is its owner's: the inbox use cases
read only the caller's subject, so they need no check here.

The API's ``require_roles`` refuses other roles before a use case runs; these checks hold for
any caller of a use case all the same, and add the ownership the role alone does not say."""

from __future__ import annotations

from shared.errors import Forbidden
from shared.principal import Principal

#: The roles that manage an organisation's integration: its contact, its webhook endpoints.
MANAGERS = ("admin", "integration")


def admins_only(principal: Principal, detail: str) -> None:
    """Forbidden (``detail``) unless the caller is an admin."""
    if principal.role != "admin":
        raise Forbidden(detail)


def own_organisation(principal: Principal) -> str | None:
    """Whose webhooks the caller manages: None for an admin (every organisation's), an
    integration's own organisation; Forbidden for anyone else, and for a token with none."""
    if principal.role == "admin":
        return None
    if principal.role not in MANAGERS:
        raise Forbidden("Only an admin or an organisation's integration may do this.")
    if not principal.organisation:
        raise Forbidden("Your token names no organisation.")
    return principal.organisation


def ensure_organisation(principal: Principal, organisation: str) -> None:
    """Admins manage every organisation's integration; an integration its own organisation's."""
    if principal.role == "admin":
        return
    if principal.role == "integration" and principal.organisation == organisation:
        return
    raise Forbidden("Only an admin or the organisation's own integration may do this.")
