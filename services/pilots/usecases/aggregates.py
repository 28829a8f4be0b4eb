"""The coordinators' anonymised aggregates: what a viewer gets when they ask for a published table
or for the ESF+ participant indicators.

The figures come from the roll-up's in-memory index (``store/rollup_index.py``), every one under
disclosure control (``domain/disclosure.py``): primary and secondary suppression, then cell-key
perturbation. Coordinators and admins see every pilot; a pilot's leads see their own pilot, under
the same rules. Nobody gets a single young person here, so nothing is audited.
"""

from __future__ import annotations

from typing import Any

from services.pilots.domain.aggregates import TABLES, PublishedTable, period_months
from services.pilots.domain.disclosure import TOTAL, PerturbationTable, protect
from services.pilots.store.rollup_index import RollupIndex
from shared.errors import Forbidden, NotFound
from shared.principal import Principal

VIEWERS = ("admin", "coordinator", "pilot_lead")
GENDERS = ("female", "male", "non_binary")
#: The tables behind the ESF+ participant indicators.
BY_GENDER = "esf-participants-by-pilot-gender"
BY_AGE = "esf-participants-by-pilot-age-group"
#: The indicators of each row, in the order a CSV shows them.
INDICATORS = ("participants", "women", "men", "non_binary", "aged_below_18", "aged_18_29")


def _scope(principal: Principal, query: dict[str, Any]) -> None:
    if principal.role not in VIEWERS:
        raise Forbidden(f"This needs one of the roles: {', '.join(VIEWERS)}.")
    if principal.role == "pilot_lead" and query.get("pilot") not in principal.pilots:
        raise Forbidden("A pilot lead sees the figures of their own pilot: add pilot=<your pilot>.")


def list_tables() -> list[dict[str, Any]]:
    """The published tables and their dimensions."""
    return [
        {"name": t.name, "title": t.title, "dimensions": list(t.dimensions)}
        for t in TABLES.values()
    ]


def find_table(name: str) -> PublishedTable:
    """The published table of this name (NotFound otherwise)."""
    table = TABLES.get(name)
    if table is None:
        raise NotFound("No such table; GET /v1/aggregates/tables lists them.")
    return table


def protected_table(
    index: RollupIndex, threshold: int, table: PublishedTable, query: dict[str, Any]
) -> dict[str, Any]:
    """Every cell of ``table`` for the query's period (and pilot or region), protected; row,
    column and grand totals included."""
    start, end = period_months(query["period"])
    extended = index.cells(table, start, end, query.get("pilot"), query.get("region"))
    published = protect(extended, threshold)
    noise = PerturbationTable()
    cells = [
        {
            "dimensions": dict(zip(table.dimensions, key, strict=True)),
            "value": p.value,
            "suppressed": p.suppressed,
        }
        for key, p in sorted(published.items(), key=lambda kv: _order(kv[0]))
    ]
    return {
        "table": table.name,
        "title": table.title,
        "period": query["period"],
        "filters": {k: query[k] for k in ("pilot", "region") if k in query},
        "threshold": threshold,
        "disclosure_control": (
            f"cells of 1–{threshold - 1} young people suppressed; "
            "hypercube secondary suppression; cell-key perturbation "
            f"(±{noise.max_noise}, variance {float(noise.variance):.2f})"
        ),
        "cells": cells,
    }


def _order(key: tuple[str, ...]) -> tuple[tuple[bool, str], ...]:
    return tuple((v == TOTAL, v) for v in key)


def table(
    principal: Principal,
    index: RollupIndex,
    threshold: int,
    table_name: str,
    query: dict[str, Any],
) -> tuple[PublishedTable, dict[str, Any]]:
    """One published table for a period, optionally for one pilot or region (a pilot's lead:
    their own pilot only)."""
    found = find_table(table_name)
    _scope(principal, query)
    return found, protected_table(index, threshold, found, query)


def indicators(
    principal: Principal, index: RollupIndex, threshold: int, query: dict[str, Any]
) -> dict[str, Any]:
    """The ESF+ participant indicators (Regulation (EU) 2021/1057, Annex I) that this data
    supports — participants in total, women, men, non-binary, below 18, aged 18–29 — per pilot
    and for the whole programme (``programme``), under the same disclosure control; a suppressed
    one has ``<name>_suppressed`` giving the reason."""
    _scope(principal, query)
    by_gender = protected_table(index, threshold, TABLES[BY_GENDER], query)
    by_age = protected_table(index, threshold, TABLES[BY_AGE], query)
    rows: dict[str, dict[str, Any]] = {}

    def put(pilot: str, name: str, cell: dict[str, Any]) -> None:
        row = rows.setdefault(pilot, {"pilot": "programme" if pilot == TOTAL else pilot})
        row[name] = cell["value"]
        if cell["suppressed"]:
            row[f"{name}_suppressed"] = cell["suppressed"]

    for cell in by_gender["cells"]:
        pilot, gender = cell["dimensions"]["pilot"], cell["dimensions"]["gender"]
        if gender == TOTAL:
            put(pilot, "participants", cell)
        elif gender in GENDERS:
            put(pilot, {"female": "women", "male": "men"}.get(gender, gender), cell)
    for cell in by_age["cells"]:
        group = cell["dimensions"]["age_group"]
        if group in ("below_18", "18_29"):
            put(cell["dimensions"]["pilot"], f"aged_{group}", cell)
    return {
        "period": query["period"],
        "threshold": by_gender["threshold"],
        "disclosure_control": by_gender["disclosure_control"],
        "indicators": sorted(rows.values(), key=lambda r: (r["pilot"] == "programme", r["pilot"])),
    }
