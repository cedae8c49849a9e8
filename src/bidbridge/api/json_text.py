"""Reading JSON text from callers: bounded nesting, no lone surrogates, no giant numbers.

Python's json module parses up to its recursion limit and then raises RecursionError, accepts
"\\ud800" escapes (a string no database can store) and refuses numbers over 4,300 digits with a
plain ValueError. Every JSON text from a caller goes through ``loads`` instead.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

MAX_DEPTH = 32


class JsonRefused(ValueError):
    """The text is JSON we will not take; ``where`` names the offending place when known."""

    def __init__(self, reason: str, where: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.where = where


def loads(text: str | bytes) -> Any:
    """Parse ``text`` (floats as Decimal) or raise JsonRefused with a reason a caller can act on."""
    try:
        value = json.loads(text, parse_float=Decimal)
    except RecursionError:
        raise JsonRefused(f"it is nested deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        raise JsonRefused(f"{exc.msg} at position {exc.pos}") from exc
    except (ValueError, UnicodeDecodeError) as exc:  # e.g. a number of more than 4,300 digits
        raise JsonRefused(str(exc)) from exc
    check(value)
    return value


def check(value: Any) -> None:
    """Depth and surrogates, walked without recursion (the value may come from anywhere)."""
    stack: list[tuple[Any, int, str]] = [(value, 1, "")]
    while stack:
        item, depth, where = stack.pop()
        if isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise JsonRefused(f"it is nested deeper than {MAX_DEPTH} levels", where or None)
            if isinstance(item, dict):
                for key, child in item.items():
                    _check_text(key, f"{where}.{key}".lstrip(".") if _encodable(key) else where)
                    stack.append((child, depth + 1, f"{where}.{key}".lstrip(".")))
            else:
                stack.extend((child, depth + 1, f"{where}[{i}]") for i, child in enumerate(item))
        elif isinstance(item, str):
            _check_text(item, where)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_text(text: str, where: str) -> None:
    if not _encodable(text):
        raise JsonRefused("it contains a lone UTF-16 surrogate (such as \\ud800), which is not a "
                          "character; send the text as valid Unicode", where or None)
