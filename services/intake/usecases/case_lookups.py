"""Finding a young person's cases again: a worker who knows the young person (an identity code or
a regional client number), not our pseudonym, gets the cases of their own pilots. The identifier
is pseudonymised here with the current key and every earlier one still configured, and goes no
further: it is never stored, logged or audited. Every look-up is audited — who, role,
organisation, purpose, the case ids found — found or not."""

from __future__ import annotations

from typing import Any

from services.intake.domain.hetu import IdentityCode
from services.intake.domain.pseudonym import Pseudonym, Pseudonymiser
from services.intake.store import audit, case_map
from services.intake.usecases.access import pilots_of
from shared.db import UnitOfWork
from shared.errors import Forbidden, NotFound
from shared.principal import Principal

#: Who may look cases up: admins (every pilot), and the leads and workers of a pilot (its cases).
LOOKERS = ("admin", "pilot_lead", "pilot_worker")
ACTION = "case_lookup"
#: The one answer for "no such young person" and "not in your pilots": a look-up tells nobody
#: whether another pilot has the young person.
NOT_FOUND = "No case of this young person among your pilots."


def pseudonyms_of(client: dict[str, Any], pseudonymiser: Pseudonymiser) -> list[Pseudonym]:
    """The young person's pseudonym under every configured key, the current one first.
    ``client`` is a loaded look-up: ``identity_code`` or ``client_number``."""
    keys = (pseudonymiser.key_id, *pseudonymiser.earlier_key_ids)
    code: IdentityCode | None = client.get("identity_code")
    if code is not None:
        return [pseudonymiser.of_identity_code(code, key_id) for key_id in keys]
    number = client["client_number"]
    return [
        pseudonymiser.of_regional_client(number["client_system"], number["client_id"], key_id)
        for key_id in keys
    ]


def look_up_cases(
    principal: Principal,
    uow: UnitOfWork,
    pseudonymiser: Pseudonymiser,
    client: dict[str, Any],
    purpose: str,
) -> list[dict[str, Any]]:
    """The young person's open cases among the caller's pilots (every pilot for an admin),
    newest first; ``NotFound`` if there is none. The look-up is audited either way."""
    if principal.role not in LOOKERS:
        raise Forbidden(f"This needs one of the roles: {', '.join(LOOKERS)}.")
    found = case_map.find_open(
        uow.session, pseudonyms_of(client, pseudonymiser), pilots_of(principal)
    )
    audit.record(uow.session, principal, ACTION, [c["case_id"] for c in found], purpose)
    uow.commit()
    if not found:
        raise NotFound(NOT_FOUND)
    return found
