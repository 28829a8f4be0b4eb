"""CSV cells as every CSV the project writes them: safe to open in a spreadsheet.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return before one) as a formula — CSV injection: ``=cmd|' /C calc'!A0``, ``=HYPERLINK(…)``. Such
text is prefixed with a single quote, which makes a spreadsheet show it as text, and then quoted
as CSV needs (OWASP, "CSV Injection"). Only text is neutralised: an ``int`` or ``float`` is written
as the number it is, so a legitimate negative figure stays a number (``-3``, not ``'-3``) — a
number cannot carry a formula. ``None`` is an empty cell.

Every CSV writer goes through :func:`csv_row` (or :func:`csv_cell`): intake's errors CSV and the
pilots' aggregates.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

#: The first characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
#: Quoted: what CSV itself needs, and ``;`` and tab, at which a Finnish-locale spreadsheet splits
#: a cell (``x;=HYPERLINK(…)`` would otherwise be a formula in the next column).
_NEEDS_QUOTES: Final = frozenset(',"\r\n;\t')


def neutralise(text: str) -> str:
    """``text`` as a spreadsheet will show it, never run it: prefixed with ``'`` if it would
    start a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_cell(value: object) -> str:
    """One CSV cell (comma-separated, quoted as needed): text neutralised, numbers as they are,
    None empty."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    text = neutralise(str(value))
    if _NEEDS_QUOTES.isdisjoint(text):
        return text
    return '"' + text.replace('"', '""') + '"'


def csv_row(values: Iterable[object]) -> str:
    """One CSV record, ending in CRLF (RFC 4180)."""
    return ",".join(map(csv_cell, values)) + "\r\n"
