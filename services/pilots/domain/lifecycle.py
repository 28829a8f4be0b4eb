"""The innovation lifecycle of a pilot's social innovation.

``idea`` → ``piloting`` → ``evaluation`` → ``modelling`` → ``dissemination`` → ``mainstreamed``,
one step forward at a time; any phase before ``mainstreamed`` may end in ``discontinued``. Both
ends are final. Every change is dated and has a reason, so the coordination project sees the
portfolio of innovations and how they matured.
"""

from __future__ import annotations

import itertools

PHASES = (
    "idea",
    "piloting",
    "evaluation",
    "modelling",
    "dissemination",
    "mainstreamed",
    "discontinued",
)
FINAL = frozenset({"mainstreamed", "discontinued"})
_FORWARD = dict(itertools.pairwise(PHASES[:6]))


def allowed_next(phase: str) -> tuple[str, ...]:
    """The phases a pilot in ``phase`` may move to."""
    if phase in FINAL:
        return ()
    return (_FORWARD[phase], "discontinued")


def can_move(from_phase: str, to_phase: str) -> bool:
    return to_phase in allowed_next(from_phase)
