"""The coordinators' tables, answered from memory: the roll-up (``agg_member``) held as roaring
bitmaps of young people's ids, kept in step with the database on every request.

Why: a distinct count over a quarter or a year, all pilots or all regions, is a union of sets — in
SQL a ``count(DISTINCT …)`` over up to millions of roll-up rows per request (0.3–3.5 s at 10
million events), in bitmaps a few hundred unions of compressed sets (milliseconds). The roll-up in
PostgreSQL stays the single source of truth; this index is a cache of it that is never stale:

- **Loaded** on first use: every base cell (measure × month × pilot × region × gender × age band ×
  activity type × kind) with the bitmap of its young people, and each person's record key.
- **Kept in step** before every answer: a read of the rows added since the last one. A row's
  ``txid`` is the transaction that added it; every row the last read could not see belongs to a
  transaction still running then or started later, so its ``txid`` is at or above the
  ``pg_snapshot_xmin`` taken just before that read. Reading ``txid >=`` the previous horizon therefore misses
  nothing, even a transaction that began before the read and committed after it; what is read
  twice is harmless, since adding a person to a set is idempotent. Rows are never deleted.
- **Projected** per published table for the unfiltered tables (month → the table's finest cell →
  bitmap); a filter on a pilot or a region narrows to that pilot's or region's base cells, which
  are few. Totals are unions of the finest cells, so a young person counts once in every total.

The cell key (``domain/disclosure.py``) is the sum of the cell's people's record keys, taken from
an array indexed by person id.
"""

from __future__ import annotations

import itertools
import operator
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np
import sqlalchemy as sa
from pyroaring import BitMap

from services.pilots.domain.aggregates import AGE_GROUPS, PublishedTable
from services.pilots.domain.disclosure import KEY_SPACE, TOTAL, Cell, Key

#: A base cell without its measure and month: pilot, region, gender, age band, activity type, kind.
Rest = tuple[str, str, str, str, str, str]
#: A base cell as the tables see it: the month as ``YYYY-MM``, the rest, and the ESF+ age group.
Full = tuple[str, str, str, str, str, str, str, str]
_FULL = ("month", "pilot_id", "region", "gender", "age_band", "activity_type", "kind", "age_group")

_HORIZON = sa.text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
_NEW_ROWS = sa.text(
    "SELECT measure, month, pilot_id, region, gender, age_band, activity_type, kind, "
    "array_agg(person_id) FROM agg_member WHERE txid >= :since "
    "GROUP BY measure, month, pilot_id, region, gender, age_band, activity_type, kind"
)
_RECORD_KEYS = sa.text("SELECT id, record_key FROM agg_person WHERE id = ANY(:ids)")


def _full(month: date, rest: Rest) -> Full:
    return (
        f"{month.year:04d}-{month.month:02d}",
        *rest,
        AGE_GROUPS.get(rest[3], "other"),
    )


def _cell_of(table: PublishedTable) -> Callable[[Full], Key]:
    """How a table's finest cell is read off a base cell."""
    positions = [_FULL.index(c) for c in table.columns]
    if len(positions) == 1:
        [position] = positions
        return lambda full: (full[position],)
    return operator.itemgetter(*positions)


class RollupIndex:
    """The roll-up in memory for one web process; thread-safe, one lock for reads and updates
    (an answer takes milliseconds)."""

    def __init__(self, engine: sa.Engine, tables: Mapping[str, PublishedTable]) -> None:
        self._engine = engine
        self._tables = dict(tables)
        self._cell_of = {name: _cell_of(t) for name, t in self._tables.items()}
        self._by_measure = {
            m: [n for n, t in self._tables.items() if t.measure == m]
            for m in {t.measure for t in self._tables.values()}
        }
        self._lock = threading.Lock()
        self.loaded = threading.Event()  # set once the whole roll-up has been read
        self._horizon: int | None = None  # None: nothing read yet
        self._keys = np.zeros(1024, dtype=np.uint64)  # record key by person id
        self._keyed = BitMap()  # the people whose record key is in _keys
        # (measure, month) -> base cell -> (the cell as the tables see it, its people)
        self._base: dict[tuple[str, date], dict[Rest, tuple[Full, BitMap]]] = defaultdict(dict)
        # (measure, month, pilot) and (measure, month, region) -> [(full base cell, people)]
        self._by_pilot: dict[tuple[str, date, str], list[tuple[Full, BitMap]]] = defaultdict(list)
        self._by_region: dict[tuple[str, date, str], list[tuple[Full, BitMap]]] = defaultdict(list)
        # table -> month -> finest cell -> people (all pilots, all regions)
        self._projection: dict[str, dict[date, dict[Key, BitMap]]] = {
            name: defaultdict(dict) for name in self._tables
        }

    # --- keeping in step -----------------------------------------------------------------------

    def refresh(self) -> int:
        """Read what the roll-up gained since the last read; returns the base cells read."""
        with self._lock:
            return self._refresh()

    def _refresh(self) -> int:
        # The horizon first, from a snapshot no later than the one that reads the rows: what that
        # read cannot see belongs to a transaction running at or after it, with an id at or
        # above the horizon. Later reads are small: two statements, no transaction. The first
        # read streams the whole roll-up in a transaction, a few thousand cells at a time.
        first = self._horizon is None
        options: dict[str, Any] = (
            {"yield_per": 2_000} if first else {"isolation_level": "AUTOCOMMIT"}
        )
        seen, cells = BitMap(), 0
        with self._engine.connect().execution_options(**options) as conn:
            horizon = int(conn.execute(_HORIZON).scalar_one())
            for measure, month, *rest, people in conn.execute(
                _NEW_ROWS, {"since": self._horizon or 0}
            ):
                seen.update(people)
                self._add(measure, month, tuple(rest), people)
                cells += 1
            unkeyed = seen - self._keyed
            if unkeyed:
                self._learn_keys(conn.execute(_RECORD_KEYS, {"ids": list(unkeyed)}).all())
                self._keyed |= unkeyed
        self._horizon = horizon
        self.loaded.set()
        return cells

    def _learn_keys(self, rows: Sequence[Any]) -> None:
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        keys = np.fromiter((r[1] for r in rows), dtype=np.uint64, count=len(rows))
        top = int(ids.max())
        if top >= len(self._keys):
            grown = np.zeros(max(top + 1, 2 * len(self._keys)), dtype=np.uint64)
            grown[: len(self._keys)] = self._keys
            self._keys = grown
        self._keys[ids] = keys

    def _add(self, measure: str, month: date, rest: Rest, people: list[int]) -> None:
        added = BitMap(people)
        cells = self._base[(measure, month)]
        known = cells.get(rest)
        if known is None:
            full = _full(month, rest)
            entry = cells[rest] = (full, BitMap(added))
            self._by_pilot[(measure, month, rest[0])].append(entry)
            self._by_region[(measure, month, rest[1])].append(entry)
        else:
            full = known[0]
            known[1].update(added)
        for name in self._by_measure.get(measure, ()):
            finest = self._projection[name][month]
            key = self._cell_of[name](full)
            target = finest.get(key)
            if target is None:
                finest[key] = BitMap(added)
            else:
                target.update(added)

    # --- answering -----------------------------------------------------------------------------

    def cells(
        self,
        table: PublishedTable,
        start: date,
        end: date,
        pilot_id: str | None = None,
        region: str | None = None,
    ) -> dict[Key, Cell]:
        """The extended table (every total included) of distinct young people and their cell
        keys, for the months from ``start`` up to ``end``, after reading what is new."""
        with self._lock:
            self._refresh()
            finest = self._finest(table, _months(start, end), pilot_id, region)
            return self._extended(len(table.columns), finest)

    def _finest(
        self, table: PublishedTable, months: list[date], pilot_id: str | None, region: str | None
    ) -> dict[Key, BitMap]:
        groups: dict[Key, list[BitMap]] = defaultdict(list)
        if pilot_id is None and region is None:
            projection = self._projection[table.name]
            for month in months:
                for key, people in projection.get(month, {}).items():
                    groups[key].append(people)
        else:
            cell_of = self._cell_of[table.name]
            for month in months:
                for full, people in self._narrowed(table.measure, month, pilot_id, region):
                    groups[cell_of(full)].append(people)
        return {key: BitMap.union(*people) for key, people in groups.items()}

    def _narrowed(
        self, measure: str, month: date, pilot_id: str | None, region: str | None
    ) -> Iterable[tuple[Full, BitMap]]:
        if pilot_id is not None:
            cells = self._by_pilot.get((measure, month, pilot_id), [])
            return cells if region is None else [c for c in cells if c[0][2] == region]
        assert region is not None
        return self._by_region.get((measure, month, region), [])

    def _extended(self, dims: int, finest: dict[Key, BitMap]) -> dict[Key, Cell]:
        out: dict[Key, Cell] = {}
        for mask in itertools.product((True, False), repeat=dims):
            groups: dict[Key, list[BitMap]] = defaultdict(list)
            for key, people in finest.items():
                groups[
                    tuple(v if keep else TOTAL for v, keep in zip(key, mask, strict=True))
                ].append(people)
            for key, members in groups.items():
                union = members[0] if len(members) == 1 else BitMap.union(*members)
                out[key] = self._cell(union)
        out.setdefault(tuple(TOTAL for _ in range(dims)), Cell(0, 0))
        return out

    def _cell(self, people: BitMap) -> Cell:
        ids = np.frombuffer(people.to_array(), dtype=np.uint32)
        return Cell(len(people), int(self._keys[ids].sum()) % KEY_SPACE)


def _months(start: date, end: date) -> list[date]:
    months, month = [], start
    while month < end:
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months
