"""Template filters of the workspace: money, sizes, deadlines and the time left until them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from bidbridge.services import money


def euro(value: Decimal | str | None) -> str:
    """An exact amount with two decimals and thin thousands separators: 12 345.60."""
    if value is None or value == "":
        return "—"
    exact = money.cents(Decimal(value))
    whole, _, cents = format(exact, "f").partition(".")
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("-")
    groups: list[str] = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return f"{sign}{' '.join(groups) or '0'}.{cents}"


def filesize(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    scaled = float(size)
    for unit in ("KB", "MB", "GB"):
        scaled /= 1024
        if scaled < 1024 or unit == "GB":
            break
    return f"{scaled:.1f} {unit}"


def _span(seconds: float) -> str:
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {mins} min"
    return f"{max(mins, 1)} min"


def time_left(deadline: datetime | None, now: datetime) -> str:
    if deadline is None:
        return "no deadline"
    seconds = (deadline - now).total_seconds()
    if seconds <= 0:
        return f"closed {_span(-seconds)} ago"
    return f"{_span(seconds)} left"


def deadline_text(value: datetime | None) -> str:
    return "—" if value is None else value.strftime("%a %d %b %Y, %H:%M UTC")


def date_text(value: datetime | None) -> str:
    return "—" if value is None else value.strftime("%d %b %Y")
