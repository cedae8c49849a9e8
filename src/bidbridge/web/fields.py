"""Ids typed into forms and URLs: ASCII digits naming a row (bidbridge/ids.py), or nothing.

``str.isdigit`` says yes to "²" and "١٢" (which ``int`` then refuses or reads), and a 20-digit id
overflows the database's integer; every id a page reads goes through ``record_id`` or, in a
route's path, the ``{name:id}`` convertor instead.
"""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor

from bidbridge.ids import ID_PATTERN, parse_id


def record_id(raw: str | int | None) -> int | None:
    """The id ``raw`` spells, or None when it cannot be the id of any row."""
    return parse_id(raw)


class IdConvertor(Convertor[int]):
    """``{rfp_id:id}``: a path segment that is an id, else the route does not match (404)."""

    regex = ID_PATTERN.removeprefix("^").removesuffix("$")

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("id", IdConvertor())
