"""Who may change the reference data — said once, for every use case that changes it.

Reference data (regions, organisations, pilots, activities, instruments, lifecycles) is not about
any young person: every role may read it — coordinators follow the portfolio of innovations,
regional systems need the ids. Changing it is for admins, and for a pilot's leads within their own
pilots (the ``pilots`` claim of their token). The API's ``require_roles`` turns the other roles
away first; these checks are the ones a role cannot tell: whose pilot it is."""

from __future__ import annotations

from shared.errors import Forbidden
from shared.principal import Principal

ADMINS = ("admin",)
PILOT_MANAGERS = ("admin", "pilot_lead")


def ensure_admin(principal: Principal) -> None:
    """Forbidden unless the caller is an admin."""
    if principal.role not in ADMINS:
        raise Forbidden(f"This needs one of the roles: {', '.join(ADMINS)}.")


def ensure_manages(principal: Principal, pilot_id: str) -> None:
    """Forbidden unless the caller is an admin or a lead of this pilot."""
    if principal.role == "admin":
        return
    if principal.role == "pilot_lead" and pilot_id in principal.pilots:
        return
    raise Forbidden("Only an admin or a lead of this pilot may change it.")
