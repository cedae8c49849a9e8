"""Numbers typed into forms and URLs: ASCII digits within a database integer, or nothing.

``str.isdigit`` says yes to "²" and "١٢" (which ``int`` then refuses or reads), and a 20-digit id
overflows the database's integer; every id a page reads goes through ``record_id`` instead.
"""

from __future__ import annotations

import re

from bidbridge.services.scoping import MAX_ID

_ID = re.compile(r"[0-9]{1,10}")


def record_id(raw: str | int | None) -> int | None:
    """The id ``raw`` spells, or None when it cannot be the id of any row."""
    if isinstance(raw, int):
        return raw if 0 < raw <= MAX_ID else None
    if raw is None or not _ID.fullmatch(raw):
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ID else None
