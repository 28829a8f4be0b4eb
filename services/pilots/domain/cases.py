"""The case workflow: one pseudonymous young person in one pilot.

    referred ──► enrolled ──► active ⇄ paused
       │            │           │        │
       ▼            └──────► closed ◄────┤      (closing needs a closing reason)
    declined                    ▲        ▼
                                └── follow_up ◄── active, paused

``referred`` → ``enrolled`` or ``declined``; ``enrolled`` → ``active``; ``active`` ⇄ ``paused``;
``active`` or ``paused`` → ``follow_up``; ``enrolled``, ``active``, ``paused`` or ``follow_up`` →
``closed``. ``declined`` and ``closed`` are final. Every other move is refused (409). A referral
event opens a case as ``referred``; the first attended participation at or after enrolment moves
an ``enrolled`` case to ``active``.
"""

from __future__ import annotations

STATES = ("referred", "enrolled", "active", "paused", "follow_up", "closed", "declined")
FINAL = frozenset({"closed", "declined"})
OPEN = tuple(s for s in STATES if s not in FINAL)

TRANSITIONS: dict[str, frozenset[str]] = {
    "referred": frozenset({"enrolled", "declined"}),
    "enrolled": frozenset({"active", "closed"}),
    "active": frozenset({"paused", "follow_up", "closed"}),
    "paused": frozenset({"active", "follow_up", "closed"}),
    "follow_up": frozenset({"closed"}),
    "closed": frozenset(),
    "declined": frozenset(),
}

CLOSING_REASONS = (
    "goals_met",
    "moved_away",
    "transferred_to_other_service",
    "client_withdrew",
    "no_contact",
    "pilot_ended",
    "other",
)
DECLINE_REASONS = ("not_in_target_group", "client_declined", "no_capacity", "other")


def can_transition(from_state: str, to_state: str) -> bool:
    return to_state in TRANSITIONS.get(from_state, frozenset())


def allowed_from(state: str) -> list[str]:
    return sorted(TRANSITIONS.get(state, frozenset()), key=STATES.index)


#: A referral nobody has acted on is as idle as a case nobody works on: every open state.
IDLE_STATES = OPEN


def closing_reason_problem(to_state: str, closing_reason: str | None) -> str | None:
    """What is wrong with a move's closing reason, or ``None``: closing needs one of
    :data:`CLOSING_REASONS`, declining one of :data:`DECLINE_REASONS`, and no other move has
    one. The rule holds for every move — a worker's and the system's."""
    if to_state == "closed" and closing_reason not in CLOSING_REASONS:
        return f"Closing needs one of: {', '.join(CLOSING_REASONS)}."
    if to_state == "declined" and closing_reason not in DECLINE_REASONS:
        return f"Declining needs one of: {', '.join(DECLINE_REASONS)}."
    if to_state not in FINAL and closing_reason is not None:
        return "Only closing or declining has a closing reason."
    return None
