"""The roles each view of the reference data admits (``require_roles``): every role reads it;
changing it is for admins and pilot leads. Whose pilot a lead may change is decided by the use
cases (``usecases/access.py``), not here."""

from __future__ import annotations

from services.pilots.usecases.access import PILOT_MANAGERS
from shared.auth import ROLES

__all__ = ["PILOT_MANAGERS", "READERS"]

READERS = ROLES
