"""Reading ids from button data and deep-link payloads, which anyone can forge."""

from __future__ import annotations

MAX_ID_DIGITS = 9


def is_id(text: str) -> bool:
    """Whether ``text`` is a plausible row id: ASCII digits only, and not absurdly long.

    ``str.isdigit`` alone accepts "²" or "١" (which ``int`` refuses or misreads) and
    twenty-digit numbers (which the database refuses), so forged data is caught here.
    """
    return text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS
