"""Exact money and quantity arithmetic: Decimal only, half-up rounding, fixed limits."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Context, Decimal

CURRENCY = "EUR"
CENT = Decimal("0.01")
MILLI = Decimal("0.001")
# A unit price derived from a total keeps four decimals, so that quantity x unit price comes
# back to the total within a cent for any quantity up to 10,000.
UNIT_PRICE_QUANTUM = Decimal("0.0001")
# Upper bounds keep every product and sum far inside NUMERIC(18, 2) and exact in 50 digits.
MAX_AMOUNT = Decimal("999999999999.99")  # a price, a line total or a proposal total
MAX_QUANTITY = Decimal("999999999.999")
ZERO = Decimal("0.00")
_EXACT = Context(prec=50)


def cents(value: Decimal) -> Decimal:
    """Round half-up to whole cents."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP, context=_EXACT)


def line_total(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """quantity x unit price, rounded half-up to cents."""
    return cents(_EXACT.multiply(quantity, unit_price))


def derived_unit_price(total: Decimal, quantity: Decimal) -> Decimal | None:
    """total / quantity, rounded half-up to four decimals; None when the quantity is zero."""
    if quantity == 0:
        return None
    return _EXACT.divide(total, quantity).quantize(UNIT_PRICE_QUANTUM, rounding=ROUND_HALF_UP,
                                                   context=_EXACT)


def money_text(value: Decimal | None) -> str | None:
    """Money on the wire: a string with exactly two decimals."""
    return None if value is None else format(cents(value), "f")


def quantity_text(value: Decimal | None) -> str | None:
    """Quantities on the wire: a string with exactly three decimals."""
    return None if value is None else format(value.quantize(MILLI, context=_EXACT), "f")


def unit_price_text(value: Decimal | None, *, derived: bool) -> str | None:
    """A given unit price has two decimals; one derived from a total has four."""
    if value is None:
        return None
    quantum = UNIT_PRICE_QUANTUM if derived else CENT
    return format(value.quantize(quantum, context=_EXACT), "f")


def add(values: list[Decimal]) -> Decimal:
    total = ZERO
    for value in values:
        total = _EXACT.add(total, value)
    return total.quantize(CENT, context=_EXACT)


_NUMBER = re.compile(r"^-?[0-9]{1,30}(\.[0-9]{1,30})?$")


class DecimalRefused(ValueError):
    """A typed amount or quantity that is not exact, in range and of the right precision."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind  # decimal_type, decimal_parsing, decimal_finite, _negative, ...
        self.message = message


def parse_decimal(value: object, *, decimals: int, limit: Decimal, what: str) -> Decimal | None:
    """Exact decimals only, as the API and the pricing grid take them: strings like "12.50" or
    numbers (parsed as Decimal); never floats, which cannot hold 0.1 exactly; not negative, at
    most ``limit``, at most ``decimals`` places."""
    if value is None:
        return None
    if isinstance(value, bool | float):
        raise DecimalRefused("decimal_type", f"{what} must be a decimal string such as "
                             "\"12.50\" or a JSON number, not a float or boolean")
    if isinstance(value, int):
        value = Decimal(value)
    elif isinstance(value, str):
        if not _NUMBER.fullmatch(value.strip()):
            raise DecimalRefused("decimal_parsing", f"{what} must be a decimal number such as "
                                 "\"12.50\" (a dot, no thousands separators)")
        value = Decimal(value.strip())
    elif not isinstance(value, Decimal):
        raise DecimalRefused("decimal_type", f"{what} must be a decimal string or number")
    if not value.is_finite():
        raise DecimalRefused("decimal_finite", f"{what} must be a finite number")
    if value < 0:
        raise DecimalRefused("decimal_negative", f"{what} must not be negative")
    if value > limit:
        raise DecimalRefused("decimal_too_large", f"{what} must be at most {limit}")
    exact = value.quantize(Decimal(1).scaleb(-decimals), context=_EXACT)
    if exact != value:
        raise DecimalRefused("decimal_places", f"{what} has more than {decimals} decimals")
    return abs(exact)  # "-0.00" becomes 0.00
