"""Who may do what with the pilots service's reference data.

Reference data (regions, organisations, pilots, activities, instruments, lifecycles) is not about
any young person: every role may read it — coordinators follow the portfolio of innovations,
regional systems need the ids. Changing it is for admins, and for a pilot's leads within their own
pilots (the `pilots` claim of their token)."""

from __future__ import annotations

from werkzeug.exceptions import Forbidden

from shared.auth import ROLES, Principal

READERS = ROLES
PILOT_MANAGERS = ("admin", "pilot_lead")


def ensure_manages(principal: Principal, pilot_id: str) -> None:
    """403 unless the caller is an admin or a lead of this pilot."""
    if principal.role == "admin":
        return
    if principal.role == "pilot_lead" and pilot_id in principal.pilots:
        return
    raise Forbidden("Only an admin or a lead of this pilot may change it.")
