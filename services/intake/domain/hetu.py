"""The Finnish personal identity code (henkilötunnus): ``DDMMYYCZZZQ``.

``DDMMYY`` the birth date, ``C`` the century sign (``+`` 1800s; ``-`` and, since 2023, ``Y X W V U``
1900s; ``A`` and, since 2023, ``B C D E F`` 2000s), ``ZZZ`` the individual number (002–899; 900–999
are temporary numbers), ``Q`` the check character: the nine digits ``DDMMYYZZZ`` mod 31 indexed into
``0123456789ABCDEFHJKLMNPRSTUVWXY``.

Error messages never contain the code itself: it must not be echoed, logged or stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

CHECK_CHARACTERS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
CENTURY_SIGNS: dict[str, int] = {
    "+": 1800,
    **dict.fromkeys("-YXWVU", 1900),
    **dict.fromkeys("ABCDEF", 2000),
}


class InvalidIdentityCode(ValueError):
    """The code is not a valid henkilötunnus; the message says why without repeating it."""


@dataclass(frozen=True, repr=False)
class IdentityCode:
    """A validated henkilötunnus. ``repr`` hides the code so that it never reaches a log."""

    normalized: str
    birth_date: date
    individual_number: int

    @property
    def temporary(self) -> bool:
        """Temporary numbers (900–999) are given before a permanent one exists."""
        return self.individual_number >= 900

    def __repr__(self) -> str:
        return "IdentityCode(<hidden>)"

    __str__ = __repr__


def parse_identity_code(value: str) -> IdentityCode:
    """Validate date, century sign, individual number and check character."""
    if not isinstance(value, str):
        raise InvalidIdentityCode("must be a string")
    code = value.strip().upper()
    if len(code) != 11:
        raise InvalidIdentityCode(
            "must be 11 characters: DDMMYY, a century sign, ZZZ and a check character"
        )
    digits, sign, individual, check = code[:6], code[6], code[7:10], code[10]
    if not (
        digits.isascii() and digits.isdigit() and individual.isascii() and individual.isdigit()
    ):
        raise InvalidIdentityCode("the date and the individual number must be digits")
    if sign not in CENTURY_SIGNS:
        raise InvalidIdentityCode("the century sign must be one of + - Y X W V U A B C D E F")
    try:
        birth = date(CENTURY_SIGNS[sign] + int(digits[4:6]), int(digits[2:4]), int(digits[0:2]))
    except ValueError:
        raise InvalidIdentityCode("the date part is not a real date") from None
    number = int(individual)
    if number < 2:
        raise InvalidIdentityCode("the individual number must be 002–999")
    if CHECK_CHARACTERS[int(digits + individual) % 31] != check:
        raise InvalidIdentityCode("the check character does not match")
    return IdentityCode(f"{digits}{sign}{individual}{check}", birth, number)


def format_identity_code(birth: date, individual_number: int, sign: str | None = None) -> str:
    """A valid code for a birth date and individual number — for synthetic test and bench data."""
    century = birth.year // 100 * 100
    if sign is None:
        sign = {1800: "+", 1900: "-", 2000: "A"}[century]
    if CENTURY_SIGNS.get(sign) != century:
        raise ValueError("the century sign does not match the birth year")
    digits = birth.strftime("%d%m%y")
    individual = f"{individual_number:03d}"
    return f"{digits}{sign}{individual}{CHECK_CHARACTERS[int(digits + individual) % 31]}"
