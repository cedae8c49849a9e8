"""The numbers inside our cursors: plain digits within what a column can hold, else not ours."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bidbridge.services.scoping import MAX_ID

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_MICROS = (datetime(9999, 12, 31, tzinfo=UTC) - EPOCH) // timedelta(microseconds=1)
_DIGITS = re.compile(r"[0-9]{1,19}")


def number(text: str, maximum: int) -> int:
    """``text`` as an int in 0..maximum; ValueError for signs, spaces, underscores or overflow
    (int() accepts all of them, and a 20-digit id overflows the database's integer)."""
    if not _DIGITS.fullmatch(text) or int(text) > maximum:
        raise ValueError(text)
    return int(text)


def row_id(text: str) -> int:
    return number(text, MAX_ID)


def moment(text: str) -> datetime:
    """A change time written as microseconds since the epoch."""
    return EPOCH + timedelta(microseconds=number(text, MAX_MICROS))
