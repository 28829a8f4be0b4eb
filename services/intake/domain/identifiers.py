"""Identifiers as systems write them, in one form: the same person, item or system always gives the
same text, and so the same pseudonym and the same duplicate key.

Exports differ in ways a reader cannot see: full-width letters and digits (``Ｃ１２３`` for
``C123``), compatibility characters, spaces around a cell. Unicode NFKC folds those, and the text
is trimmed. Invisible characters that would still make two spellings of one identifier —
controls, format characters (zero-width space, soft hyphen, BOM), unassigned and private-use code
points, lone surrogates — are refused rather than dropped: dropping them would hide a damaged
export.
"""

from __future__ import annotations

import unicodedata

#: Control, format, surrogate, private-use and unassigned code points.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


class InvalidIdentifier(ValueError):
    """The identifier contains characters that cannot be part of one; the message shows none."""


def normalise_identifier(text: str) -> str:
    """NFKC and trimmed; :class:`InvalidIdentifier` if an invisible character remains."""
    if text.isascii() and text.isprintable():  # the usual case: NFKC leaves such text alone
        return text.strip()
    folded = unicodedata.normalize("NFKC", text)
    # Before trimming: a trailing newline or tab is a control character too, not padding.
    if any(unicodedata.category(char) in _INVISIBLE for char in folded):
        raise InvalidIdentifier("contains a control or invisible character")
    return folded.strip()
