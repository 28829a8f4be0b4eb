"""The innovation lifecycle: one step forward at a time, or discontinued; both ends final."""

from __future__ import annotations

import itertools

import pytest

from services.pilots.domain.lifecycle import PHASES, allowed_next, can_move

ALLOWED = {
    ("idea", "piloting"),
    ("piloting", "evaluation"),
    ("evaluation", "modelling"),
    ("modelling", "dissemination"),
    ("dissemination", "mainstreamed"),
    *((phase, "discontinued") for phase in PHASES[:5]),
}


@pytest.mark.parametrize(("from_phase", "to_phase"), list(itertools.product(PHASES, PHASES)))
def test_every_phase_change_is_allowed_exactly_when_the_lifecycle_says_so(
    from_phase: str, to_phase: str
) -> None:
    assert can_move(from_phase, to_phase) is ((from_phase, to_phase) in ALLOWED)


def test_mainstreamed_and_discontinued_are_final() -> None:
    assert allowed_next("mainstreamed") == () and allowed_next("discontinued") == ()
