"""Cursors for lists ordered by change (updatedAt, then id): stable while rows keep changing."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

from bidbridge.api import cursor_numbers
from bidbridge.errors import InvalidParameters

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def encode(updated_at: datetime, row_id: int) -> str:
    micros = (updated_at - EPOCH) // MICROSECOND  # exact, no float rounding
    return base64.urlsafe_b64encode(f"chg:{micros}:{row_id}".encode()).decode().rstrip("=")


def decode(cursor: str, name: str = "cursor") -> tuple[datetime, int]:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, micros, row_id = text.split(":")
        if kind != "chg":
            raise ValueError(kind)
        return cursor_numbers.moment(micros), cursor_numbers.row_id(row_id)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidParameters(
            f"'{name}' is not a cursor this function handed out. Pass the nextCursor of the "
            "previous page unchanged, or leave it out to start at the beginning.",
            data={"errors": [{"parameter": name, "in": "query", "problem": "invalid",
                              "message": "not a cursor from a previous page"}]}) from exc
