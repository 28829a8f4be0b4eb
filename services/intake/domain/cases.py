"""The cases intake knows of (its case map, kept from the pilots service's ``case.opened`` and
``case.anonymised``): what a case id stands for when an item or a register names a case instead of
the young person. Pure values; ``store.case_map`` reads and writes them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from services.intake.domain.pseudonym import Pseudonym


@dataclass(frozen=True)
class OpenedCase:
    """A case as ``case.opened`` announces it."""

    case_id: str
    case_code: str
    pilot_id: str
    pseudonym: Pseudonym
    opened_at: datetime
    previous_case_id: str | None = None
    #: The young person's pseudonyms under keys being rotated out, by key id.
    earlier_pseudonyms: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MappedCase:
    """A case of the map as an item naming it needs it: its pilot, whether it is open, and — while
    it is — the pseudonym it was opened with and the others it is known by (by key id)."""

    case_id: str
    pilot_id: str
    open: bool
    pseudonym: Pseudonym | None = None
    other_pseudonyms: dict[str, str] = field(default_factory=dict)

    def takes_items_of(self, pilot_id: str) -> bool:
        """Whether an item of ``pilot_id`` may name this case: an open case of that pilot."""
        return self.open and self.pseudonym is not None and self.pilot_id == pilot_id


#: What an item or register entry is told when its case id is not an open case of its pilot —
#: the same words whether the case is unknown, anonymised or another pilot's.
NOT_AN_OPEN_CASE = "Not an open case of this pilot."
