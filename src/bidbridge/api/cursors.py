"""The one cursor codec of the API's paged functions.

A cursor is opaque to callers: base64url (unpadded) of ``<tag>:<number>[:<number>…]``. The tag
says which ordering it continues ("id" for lists by id, "chg" and "r1" for lists by change time
then id), the numbers are plain digits within what a column holds, and anything else is refused
by name as not a cursor we handed out. Change times are written as whole microseconds since the
epoch, so a cursor is exact (no float rounding) and stable while rows keep changing.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime, timedelta

from bidbridge.errors import InvalidParameters
from bidbridge.ids import MAX_ID

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
MAX_MICROS = (datetime(9999, 12, 31, tzinfo=UTC) - EPOCH) // MICROSECOND
_DIGITS = re.compile(r"[0-9]{1,19}")
BY_ID = "id"
BY_CHANGE = "chg"


def encode(tag: str, *numbers: int) -> str:
    raw = ":".join([tag, *(str(n) for n in numbers)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, tag: str, count: int, *, function: str | None = None,
           name: str = "cursor") -> list[str]:
    """The ``count`` number texts of a cursor of ``tag``; a 422 naming ``name`` otherwise."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        found, *parts = text.split(":")
        if found != tag or len(parts) != count:
            raise ValueError(found)
        return parts
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise refused(name, function) from exc


def refused(name: str = "cursor", function: str | None = None) -> InvalidParameters:
    who = function or "this function"
    return InvalidParameters(
        f"'{name}' is not a cursor {who} handed out. Pass the nextCursor of the previous page "
        "unchanged, or leave it out to start at the beginning.",
        data={"errors": [{"parameter": name, "in": "query", "problem": "invalid",
                          "message": f"not a nextCursor of {function}" if function
                          else "not a cursor from a previous page"}]})


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


def micros(moment_: datetime) -> int:
    return (moment_ - EPOCH) // MICROSECOND  # exact, no float rounding


# Lists ordered by id (getAuditLog).

def by_id(last_id: int) -> str:
    return encode(BY_ID, last_id)


def after_id(cursor: str, *, function: str | None = None, name: str = "cursor") -> int:
    (value,) = decode(cursor, BY_ID, 1, function=function, name=name)
    try:
        return row_id(value)
    except ValueError as exc:
        raise refused(name, function) from exc


# Lists ordered by change time, then id (getRfps of both APIs, getProjects).

def by_change(updated_at: datetime, last_id: int, tag: str = BY_CHANGE) -> str:
    return encode(tag, micros(updated_at), last_id)


def after_change(cursor: str, tag: str = BY_CHANGE, *, function: str | None = None,
                 name: str = "cursor") -> tuple[datetime, int]:
    when, value = decode(cursor, tag, 2, function=function, name=name)
    try:
        return moment(when), row_id(value)
    except (ValueError, OverflowError) as exc:
        raise refused(name, function) from exc
