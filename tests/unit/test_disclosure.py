"""Disclosure control, attacked: recomputing a suppressed cell from the published cells and totals,
subtracting two overlapping requests, and repeating a request to average the noise away must all
fail; and no published non-zero figure is below the threshold."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from fractions import Fraction

import pytest

from services.pilots.domain.disclosure import (
    KEY_SPACE,
    TOTAL,
    Cell,
    Key,
    PerturbationTable,
    Published,
    protect,
    record_key,
)

SECRET = b"synthetic-test-secret-for-record-keys"


def table(people: dict[Key, list[str]]) -> dict[Key, Cell]:
    """The extended table (every marginal included) of the people in each interior cell."""
    dims = len(next(iter(people)))
    members: dict[Key, set[str]] = {}
    for key, persons in people.items():
        for mask in itertools.product((False, True), repeat=dims):
            margin = tuple(TOTAL if m else v for v, m in zip(key, mask, strict=True))
            members.setdefault(margin, set()).update(persons)
    return {
        k: Cell(len(v), sum(record_key(SECRET, p) for p in v) % KEY_SPACE)
        for k, v in members.items()
    }


def random_people(rng: random.Random, shape: tuple[int, ...], small: float) -> dict[Key, list[str]]:
    out: dict[Key, list[str]] = {}
    serial = itertools.count()
    for key in itertools.product(*(range(n) for n in shape)):
        roll = rng.random()
        n = 0 if roll < 0.1 else rng.randint(1, 4) if roll < 0.1 + small else rng.randint(5, 60)
        out[tuple(str(v) for v in key)] = [f"p{next(serial)}" for _ in range(n)]
    return out


def _rank(rows: list[list[Fraction]]) -> int:
    rows = [r[:] for r in rows]
    rank, cols = 0, len(rows[0]) if rows else 0
    for col in range(cols):
        pivot = next((i for i in range(rank, len(rows)) if rows[i][col] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for i in range(len(rows)):
            if i != rank and rows[i][col] != 0:
                factor = rows[i][col] / rows[rank][col]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[rank], strict=True)]
        rank += 1
    return rank


def recomputable(cells: dict[Key, Cell], hidden: set[Key]) -> set[Key]:
    """The hidden cells an attacker who knows every other cell exactly — and that totals add up —
    can solve for: those whose unit vector lies in the row space of the additivity equations."""
    dims = len(next(iter(cells)))
    values = [sorted({k[i] for k in cells}) for i in range(dims)]
    unknown = sorted(hidden)
    index = {k: i for i, k in enumerate(unknown)}
    equations: list[list[Fraction]] = []
    for i in range(dims):
        for rest in itertools.product(*(values[j] for j in range(dims) if j != i)):

            def at(v: str, rest: tuple[str, ...] = rest, i: int = i) -> Key:
                return (*rest[:i], v, *rest[i:])

            line = [at(v) for v in values[i] if v != TOTAL]
            row = [Fraction(0)] * len(unknown)
            involved = False
            for k in line:
                if k in index:
                    row[index[k]] += 1
                    involved = True
            if at(TOTAL) in index:
                row[index[at(TOTAL)]] -= 1
                involved = True
            if involved:
                equations.append(row)
    if not equations:
        return set(hidden)
    base = _rank(equations)
    solvable = set()
    for k, i in index.items():
        unit = [Fraction(0)] * len(unknown)
        unit[i] = Fraction(1)
        if _rank([*equations, unit]) == base:
            solvable.add(k)
    return solvable


@pytest.mark.parametrize("shape", [(6,), (4, 5), (3, 4, 3)], ids=["1-D", "2-D", "3-D"])
def test_no_suppressed_cell_can_be_recomputed_from_the_published_cells_and_totals(
    shape: tuple[int, ...],
) -> None:
    rng = random.Random(20261127)
    for _ in range(25):
        cells = table(random_people(rng, shape, small=0.2))
        published = protect(cells, threshold=5)
        hidden = {k for k, p in published.items() if p.value is None}
        assert {k for k, c in cells.items() if 0 < c.count < 5} <= hidden
        assert recomputable(cells, hidden) == set(), "a suppressed cell is determined"


def test_without_secondary_suppression_the_same_attack_recovers_a_small_cell() -> None:
    """The attack is real: with only the small cell hidden, the margins give it away."""
    people = {("a",): ["p1", "p2"], ("b",): [f"q{i}" for i in range(20)]}
    cells = table(people)
    assert recomputable(cells, {("a",)}) == {("a",)}
    published = protect(cells, threshold=5)
    assert published[("a",)] == Published(None, "primary")
    assert published[("b",)].suppressed == "secondary" or published[(TOTAL,)].value is None


def test_small_cells_are_suppressed_zeros_published_and_nothing_non_zero_below_the_threshold() -> (
    None
):
    rng = random.Random(7)
    for _ in range(200):
        cells = table(random_people(rng, (5, 4), small=0.3))
        for key, p in protect(cells, threshold=5).items():
            count = cells[key].count
            if 0 < count < 5:
                assert p == Published(None, "primary")
            if count == 0:
                assert p == Published(0)
            if p.value:
                assert p.value >= 5 and abs(p.value - count) <= 2


def test_repeating_or_reslicing_a_request_gives_the_same_numbers_so_averaging_gains_nothing() -> (
    None
):
    people = {(str(i),): [f"p{i}-{j}" for j in range(10 + i)] for i in range(5)}
    first = protect(table(people), threshold=5)
    assert all(protect(table(people), threshold=5) == first for _ in range(50))
    # The same young people reached through another table get the same noise.
    regrouped = {("x", str(i)): persons for (i,), persons in ((k, v) for k, v in people.items())}
    again = protect(table(regrouped), threshold=5)
    assert again[(TOTAL, TOTAL)] == first[(TOTAL,)]


def test_subtracting_two_overlapping_requests_does_not_reveal_the_small_group_between_them() -> (
    None
):
    """A filter and a wider one differ by k < 5 young people: the difference of the two published
    totals is k plus the difference of two independent noises, so it is seldom k, and each k
    gives a spread of answers."""
    rng = random.Random(99)
    guesses: dict[int, Counter[int]] = {k: Counter() for k in range(1, 5)}
    for trial in range(2000):
        base = [f"t{trial}-{i}" for i in range(rng.randint(20, 80))]
        k = rng.randint(1, 4)
        wider = base + [f"t{trial}-extra-{i}" for i in range(k)]
        narrow = protect(table({("all",): base}), threshold=5)[(TOTAL,)].value
        wide = protect(table({("all",): wider}), threshold=5)[(TOTAL,)].value
        assert narrow is not None and wide is not None
        guesses[k][wide - narrow] += 1
    for k, seen in guesses.items():
        right = seen[k] / sum(seen.values())
        assert right < 0.45, f"the difference gives k={k} away {right:.0%} of the time"
        assert len(seen) >= 5, f"for k={k} the difference takes only {sorted(seen)}"


def test_the_perturbation_has_mean_zero_and_the_declared_variance() -> None:
    table_ = PerturbationTable()
    assert sum(table_.weights) == 1 and table_.variance == Fraction(4, 5)
    noises = Counter(table_.noise(100, key, 5) for key in range(0, KEY_SPACE, KEY_SPACE // 20000))
    mean = sum(v * n for v, n in noises.items()) / sum(noises.values())
    assert abs(mean) < 0.01 and set(noises) == {-2, -1, 0, 1, 2}


def test_the_threshold_is_never_below_three() -> None:
    with pytest.raises(ValueError, match="below 3"):
        protect(table({("a",): ["p"]}), threshold=2)
