"""Exact money and quantity arithmetic: Decimal only, half-up rounding, fixed limits."""

from __future__ import annotations

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
