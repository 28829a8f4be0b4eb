"""Age bands: age is kept only as a band at the time of the event, never as a birth date.

The bands follow the programme's target group and the ESF+ indicators (children below 18, young
people aged 18–29) and are coarse enough to be quasi-identifiers of little power.
"""

from __future__ import annotations

import calendar
from datetime import date

UNKNOWN = "unknown"
#: (lowest age, band name), ascending.
BANDS: tuple[tuple[int, str], ...] = (
    (0, "0-12"),
    (13, "13-15"),
    (16, "16-17"),
    (18, "18-21"),
    (22, "22-25"),
    (26, "26-29"),
    (30, "30+"),
)
ALL_BANDS: tuple[str, ...] = (*(name for _, name in BANDS), UNKNOWN)


def age_on(birth_year: int, birth_month: int, on: date, birth_day: int | None = None) -> int:
    """Completed years on ``on``.

    Without the day (only the birth year and month are kept), the birthday is taken to be the
    middle of the birth month: the day after its first half (the 16th of a 31- or 30-day month,
    the 15th of February). The age is then wrong only in the birth month itself, for about half a
    month, as often a year too old as a year too young — the error is symmetric, so the bands'
    totals carry no bias. (Taking the 1st made everyone a year older for a whole month.)
    """
    day = birth_day or mid_month(birth_year, birth_month)
    years = on.year - birth_year
    if (on.month, on.day) < (birth_month, day):
        years -= 1
    return years


def mid_month(year: int, month: int) -> int:
    """The first day of the second half of the month."""
    return calendar.monthrange(year, month)[1] // 2 + 1


def age_band(age: int | None) -> str:
    if age is None or age < 0:
        return UNKNOWN
    band = UNKNOWN
    for lowest, name in BANDS:
        if age >= lowest:
            band = name
    return band
