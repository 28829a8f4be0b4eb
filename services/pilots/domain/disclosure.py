"""Statistical disclosure control of the coordinators' tables: distinct young people per cell.

Three layers, applied to a whole table with its totals (a table of d dimensions is kept with every
marginal: a dimension's value ``TOTAL`` sums over it):

1. **Primary suppression.** A cell counting 1 to ``threshold - 1`` distinct young people is not
   published (reason ``primary``). Zero is published: an empty cell tells nothing about anyone.
2. **Secondary suppression — the hypercube method** (Repsilber; as in τ-ARGUS). For every
   primarily suppressed cell, a hypercube of the extended table (the cell at one corner; in each
   dimension one partner value, a total included) is suppressed whole, chosen so that its other
   corners are non-empty and as little as possible is lost (cells already suppressed cost
   nothing). Every additivity equation through a suppressed cell then meets another suppressed
   cell, and each corner can move by ±1 while all totals stay the same, so no suppressed cell can
   be recomputed from the published cells and totals (tested by linear algebra). Chosen because it
   is deterministic, well understood, fast for the small tables published here (up to three
   dimensions) and needs no solver at run time; an optimal LP method would suppress less.
3. **Consistent perturbation — the cell-key method** (ABS; recommended by Eurostat for the 2021
   censuses). Every young person has a record key: a keyed hash of the cross-pilot pseudonym,
   uniform on [0, 2^32). A cell's key is the sum of its people's record keys mod 2^32, so the same
   set of people always has the same key, whatever request, period or filter produced the cell.
   The key picks the noise from the perturbation table: published = count + noise, noise in
   [-D, D] with mean 0. Repeating or re-slicing a request gives the same numbers, so averaging
   gains nothing; the difference of two overlapping cells carries both cells' noise, so a small
   group cannot be recovered by subtraction. Counts near the threshold are never perturbed below
   it, so no published non-zero figure is ever below the threshold.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

TOTAL = "*"
KEY_SPACE = 2**32
MIN_THRESHOLD = 3

Key = tuple[str, ...]


def record_key(secret: bytes, person: str) -> int:
    """A young person's record key: the same in every table, unpredictable without the secret."""
    return int.from_bytes(hmac.new(secret, person.encode(), hashlib.sha256).digest()[:4], "big")


@dataclass(frozen=True)
class Cell:
    count: int  # distinct young people
    key_sum: int  # their record keys summed mod KEY_SPACE: the cell key


@dataclass(frozen=True)
class Published:
    value: int | None
    suppressed: str | None = None  # "primary" | "secondary"


@dataclass(frozen=True)
class PerturbationTable:
    """Noise -max_noise..max_noise with probabilities ``weights`` (symmetric, mean 0); near the
    threshold the negative tail is cut off and the rest renormalised."""

    weights: Sequence[Fraction] = (
        Fraction(1, 20),
        Fraction(1, 5),
        Fraction(1, 2),
        Fraction(1, 5),
        Fraction(1, 20),
    )

    @property
    def max_noise(self) -> int:
        return len(self.weights) // 2

    @property
    def variance(self) -> Fraction:
        d = self.max_noise
        return sum((w * (i - d) ** 2 for i, w in enumerate(self.weights)), Fraction(0))

    def noise(self, count: int, cell_key: int, threshold: int) -> int:
        """The noise the cell key picks: the key, as a point in [0, 1), falls in one value's
        share of the (cut and renormalised) distribution — exact integer arithmetic."""
        d = self.max_noise
        lowest = max(-d, threshold - count)  # never below the threshold
        total, bounds = _shares(tuple(self.weights), lowest)
        point = cell_key * total
        for value, bound in bounds:
            if point < bound:
                return value
        return bounds[-1][0]


@functools.cache
def _shares(weights: tuple[Fraction, ...], lowest: int) -> tuple[int, tuple[tuple[int, int], ...]]:
    """The values from ``lowest`` up with the upper bound of each one's share, scaled so that a
    cell key ``k`` falls in a value's share when ``k * total`` is below its bound."""
    d = len(weights) // 2
    scale = math.lcm(*(w.denominator for w in weights))
    options = [(v, int(weights[v + d] * scale)) for v in range(lowest, d + 1)]
    total = sum(w for _, w in options)
    bounds, running = [], 0
    for value, weight in options:
        running += weight
        bounds.append((value, running * KEY_SPACE))
    return total, tuple(bounds)


def primary(cells: Mapping[Key, Cell], threshold: int) -> set[Key]:
    return {key for key, cell in cells.items() if 0 < cell.count < threshold}


def hypercube(cells: Mapping[Key, Cell], sensitive: set[Key]) -> set[Key]:
    """Every sensitive cell with a suppressed hypercube around it; returns all suppressed keys."""
    if not cells:
        return set()
    dims = len(next(iter(cells)))
    values = [sorted({key[i] for key in cells}) for i in range(dims)]
    suppressed = set(sensitive)
    for target in sorted(sensitive, key=lambda k: (cells[k].count, k)):
        best: tuple[int, Key, set[Key]] | None = None
        partner_choices = [[v for v in values[i] if v != target[i]] for i in range(dims)]
        for partners in itertools.product(*partner_choices):
            corners = {
                tuple(p if use else t for t, p, use in zip(target, partners, pick, strict=True))
                for pick in itertools.product((False, True), repeat=dims)
            }
            if any(cells.get(c, Cell(0, 0)).count == 0 for c in corners):
                continue  # an empty corner is known to be empty: it protects nothing
            cost = sum(cells[c].count for c in corners if c not in suppressed)
            if best is None or (cost, partners) < best[:2]:
                best = (cost, partners, corners)
        if best is None:
            raise UnprotectableCell(target)
        suppressed |= best[2]
    return suppressed


class UnprotectableCell(Exception):
    """No hypercube with non-empty corners exists around this cell: the table is too sparse to
    publish at this level of detail."""


def protect(
    cells: Mapping[Key, Cell],
    threshold: int,
    perturbation: PerturbationTable = PerturbationTable(),
) -> dict[Key, Published]:
    """The published table: suppressed cells with their reason, the others perturbed."""
    if threshold < MIN_THRESHOLD:
        raise ValueError(f"the threshold may not be below {MIN_THRESHOLD}")
    first = primary(cells, threshold)
    try:
        every = hypercube(cells, first)
    except UnprotectableCell:
        # Too sparse to protect cell by cell: publish only the zeros and the grand total.
        every = first | {k for k, c in cells.items() if c.count and any(v != TOTAL for v in k)}
    out: dict[Key, Published] = {}
    for key, cell in cells.items():
        if key in first:
            out[key] = Published(None, "primary")
        elif key in every:
            out[key] = Published(None, "secondary")
        elif cell.count == 0:
            out[key] = Published(0)
        else:
            noise = perturbation.noise(cell.count, cell.key_sum % KEY_SPACE, threshold)
            out[key] = Published(cell.count + noise)
    return out
