"""The coordinators' published tables — each a pre-declared set of dimensions over one measure —
and the reporting periods (a month ``2026-07``, a quarter ``2026-Q3`` or a year ``2026``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

#: Age groups of the ESF+ participant indicators (Regulation (EU) 2021/1057, Annex I).
AGE_GROUPS = {
    "0-12": "below_18",
    "13-15": "below_18",
    "16-17": "below_18",
    "18-21": "18_29",
    "22-25": "18_29",
    "26-29": "18_29",
}


@dataclass(frozen=True)
class PublishedTable:
    name: str
    title: str
    measure: str  # participation | referral | outcome
    dimensions: tuple[str, ...]  # names shown to coordinators
    columns: tuple[str, ...]  # the roll-up's columns (or derived expressions) behind them


TABLES: dict[str, PublishedTable] = {
    t.name: t
    for t in (
        PublishedTable(
            "participants-by-region-gender",
            "Young people who took part, by region and gender",
            "participation",
            ("region", "gender"),
            ("region", "gender"),
        ),
        PublishedTable(
            "participants-by-pilot-age-band",
            "Young people who took part, by pilot and age band",
            "participation",
            ("pilot", "age_band"),
            ("pilot_id", "age_band"),
        ),
        PublishedTable(
            "participants-by-activity-type-month",
            "Young people who took part, by activity type and month",
            "participation",
            ("activity_type", "month"),
            ("activity_type", "month"),
        ),
        PublishedTable(
            "participants-by-kind",
            "Young people who took part, by kind of participation",
            "participation",
            ("participation_kind",),
            ("kind",),
        ),
        PublishedTable(
            "referrals-by-pilot-month",
            "Young people referred, by pilot and month",
            "referral",
            ("pilot", "month"),
            ("pilot_id", "month"),
        ),
        PublishedTable(
            "esf-participants-by-pilot-gender",
            "ESF+ participants, by pilot and gender (women, men, non-binary)",
            "participation",
            ("pilot", "gender"),
            ("pilot_id", "gender"),
        ),
        PublishedTable(
            "esf-participants-by-pilot-age-group",
            "ESF+ participants, by pilot and age group (below 18, 18–29)",
            "participation",
            ("pilot", "age_group"),
            ("pilot_id", "age_group"),
        ),
    )
}

_PERIOD = re.compile(r"(\d{4})(?:-(?:(0[1-9]|1[0-2])|Q([1-4])))?")


class InvalidPeriod(ValueError):
    pass


def period_months(period: str) -> tuple[date, date]:
    """The first month of ``period`` and the first month after it."""
    match = _PERIOD.fullmatch(period)
    if match is None:
        raise InvalidPeriod("Use a month (2026-07), a quarter (2026-Q3) or a year (2026).")
    year, month, quarter = match.groups()
    y = int(year)
    if not 1900 <= y <= 2999:
        raise InvalidPeriod("Use a year from 1900 to 2999.")
    if month:
        start, length = date(y, int(month), 1), 1
    elif quarter:
        start, length = date(y, 3 * int(quarter) - 2, 1), 3
    else:
        start, length = date(y, 1, 1), 12
    end_month = start.month - 1 + length
    return start, date(y + end_month // 12, end_month % 12 + 1, 1)
