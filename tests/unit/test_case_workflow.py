"""The case workflow: every allowed and every forbidden transition."""

from __future__ import annotations

import itertools

import pytest

from services.pilots.domain.cases import STATES, allowed_from, can_transition

ALLOWED = {
    ("referred", "enrolled"),
    ("referred", "declined"),
    ("enrolled", "active"),
    ("enrolled", "closed"),
    ("active", "paused"),
    ("paused", "active"),
    ("active", "follow_up"),
    ("paused", "follow_up"),
    ("active", "closed"),
    ("paused", "closed"),
    ("follow_up", "closed"),
}


@pytest.mark.parametrize(("from_state", "to_state"), list(itertools.product(STATES, STATES)))
def test_a_transition_is_allowed_exactly_when_the_workflow_defines_it(
    from_state: str, to_state: str
) -> None:
    assert can_transition(from_state, to_state) is ((from_state, to_state) in ALLOWED)


def test_closed_and_declined_are_final_and_unknown_states_go_nowhere() -> None:
    assert allowed_from("closed") == [] and allowed_from("declined") == []
    assert not can_transition("archived", "closed")
    assert allowed_from("active") == ["paused", "follow_up", "closed"]
