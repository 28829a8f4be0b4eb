"""Who works in which pilot, said once for every intake use case: an admin works in every pilot;
anyone else in the pilots of their token. (Which roles may do a thing at all is each use case's
own list.)"""

from __future__ import annotations

from shared.principal import Principal


def works_in(principal: Principal, pilot_id: str) -> bool:
    """Whether the caller acts for ``pilot_id``: submits its items, sees its events, records its
    activities' registers."""
    return principal.role == "admin" or pilot_id in principal.pilots


def pilots_of(principal: Principal) -> frozenset[str] | None:
    """The pilots whose data the caller reaches; None for every pilot (an admin)."""
    return None if principal.role == "admin" else principal.pilots
