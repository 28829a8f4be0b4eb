"""Case codes: the short, human code a worker notes in the regional client record to find a case
again (``K7QM-3XPD``).

Eight characters from an alphabet without look-alikes (no 0/O, 1/I/L, U), drawn at random — the
code says nothing about the young person, the pilot or the order cases were opened in — shown in
two groups of four. 30⁸ ≈ 6.6 × 10¹¹ codes: a unique index catches the rare collision, and the
redelivered event draws again. Typed codes are read leniently: case, spaces and dashes do not
matter, and the look-alikes are read as the letters they resemble.
"""

from __future__ import annotations

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 8
_LOOK_ALIKES = str.maketrans({"0": "D", "O": "D", "1": "J", "I": "J", "L": "J", "U": "V"})


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalise(typed: str) -> str | None:
    """The code in its stored form, or ``None`` when ``typed`` cannot be a case code."""
    if len(typed) > 32:
        return None
    raw = "".join(typed.split()).replace("-", "").upper()
    if not raw.isascii():
        return None
    raw = raw.translate(_LOOK_ALIKES)
    if len(raw) != LENGTH or any(c not in ALPHABET for c in raw):
        return None
    return f"{raw[:4]}-{raw[4:]}"
