"""Gathering: where one event of a gathered rule (``case.idle``) is counted — the day's item of
its pilot, per recipient, in Finnish time of the event's time (so a late or re-sent event lands
on the day it was made), and the links that item carries. Rules only, no I/O: the upserts that
count are in ``store.fanout``."""

from __future__ import annotations

from dataclasses import dataclass

from services.notifications.domain.rules import Rule, gather_links, named_subjects
from shared.calendar import HELSINKI
from shared.messaging.envelope import Envelope


@dataclass(frozen=True)
class Gathered:
    """Where one event of a gathered rule goes: the key of its day's item, and its links."""

    key: str
    #: Whose items these are: the pilot (``Gathering.by``).
    pilot: str
    #: The link for a user the event names, and for anyone else (also an item for both).
    named_link: str
    link: str
    named: frozenset[str]

    def link_for(self, subject: str) -> str:
        return self.named_link if subject in self.named else self.link


def gathered(rule: Rule, event: Envelope) -> Gathered | None:
    """The day's item this event of a gathered rule counts in; None if it is not gathered."""
    if rule.gather is None:
        return None
    by = event.data.get(rule.gather.by)
    if not isinstance(by, str) or not by:
        return None
    day = event.time.astimezone(HELSINKI).date()
    named_link, everyone = gather_links(rule, event.data)
    return Gathered(
        key=f"{event.type}/{by}/{day.isoformat()}",
        pilot=by,
        named_link=named_link,
        link=everyone,
        named=frozenset(named_subjects(rule, event.data)),
    )
