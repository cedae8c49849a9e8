"""Row ids: the range of the 32-bit id columns, as a number, a pattern and a pydantic type.

Ids are checked at the edge (an API parameter's pattern, a JSON item's type, a page's field) so
that no query compares a column with a value PostgreSQL refuses ("integer out of range").
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field

MAX_ID = 2**31 - 1

# Exactly the decimal numbers 1 to MAX_ID (2147483647), without sign or leading zeros: fewer
# than ten digits, or ten digits not above MAX_ID, digit by digit.
ID_PATTERN = (r"^([1-9][0-9]{0,8}|1[0-9]{9}|20[0-9]{8}|21[0-3][0-9]{7}|214[0-6][0-9]{6}"
              r"|2147[0-3][0-9]{5}|21474[0-7][0-9]{4}|214748[0-2][0-9]{3}|2147483[0-5][0-9]{2}"
              r"|21474836[0-3][0-9]|214748364[0-7])$")
_ID = re.compile(ID_PATTERN)

# An id inside a JSON parameter (a list of document ids, a line's budgetLineId).
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def is_id(value: int) -> bool:
    """Whether ``value`` can be the id of a row."""
    return 0 < value <= MAX_ID


def parse_id(raw: str | int | None) -> int | None:
    """The id ``raw`` spells, or None when it cannot be the id of any row.

    ``str.isdigit`` says yes to "²" and "١٢" (which ``int`` then refuses or reads); the pattern
    admits ASCII digits only.
    """
    if isinstance(raw, int):
        return raw if is_id(raw) else None
    if raw is None or not _ID.fullmatch(raw):
        return None
    return int(raw)
