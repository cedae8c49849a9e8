"""The pricing grid's rows: drawn from the budget sheet, read back from the submitted form.

Every input is named ``<field>-<row>``: the row is a budget line id (``12``), an extra row
(``x5``) or the blank new row (``new``). Only what differs from the stored draft is sent to the
service, so a price priced by total through the API is not rewritten by an untouched cell.
Amounts are checked by the rule the API uses (services.money.parse_decimal).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from starlette.datastructures import FormData

from bidbridge.models import BudgetLine, PriceEntry
from bidbridge.services import money, pricing
from bidbridge.services.pricing import BudgetSheet, PriceChange

MAX_DESCRIPTION = 2000
MAX_UNIT = 32
MAX_NOTE = 2000
# The service names problems "lines[3].unitPrice": which input of the row shows each.
SERVICE_FIELDS = {"unitPrice": "price", "totalPrice": "price", "quantity": "qty",
                  "description": "desc", "unit": "unit", "budgetLineId": "price",
                  "priceEntryId": "price"}


@dataclass
class GridRow:
    key: str  # "12", "x5" or "new"
    line: BudgetLine | None
    entry: PriceEntry | None
    code: str | None
    description: str
    quantity: str
    unit: str
    price: str  # what the price cell shows: typed, or the stored unit price
    total: Decimal | None
    priced_by: str | None
    included: bool
    note: str
    deleted: bool = False
    errors: dict[str, str] = field(default_factory=dict)  # input name -> what is expected

    @property
    def is_extra(self) -> bool:
        return self.line is None

    def name(self, what: str) -> str:
        return f"{what}-{self.key}"


def _stored_price(found: pricing.Amounts) -> str:
    return money.unit_price_text(found.unit_price, derived=found.priced_by == "totalPrice") or ""


def rows_of(sheet: BudgetSheet) -> list[GridRow]:
    rows = []
    for line, entry in sheet.lines:
        if line.deleted_at is not None:
            continue
        found = pricing.amounts(entry, line.quantity)
        rows.append(GridRow(str(line.id), line, entry, line.code, line.description,
                            money.quantity_text(line.quantity) or "0.000", line.unit,
                            _stored_price(found), found.total_price, found.priced_by,
                            entry.included if entry else True, (entry.note or "") if entry else ""))
    for extra in sheet.extras:
        if extra.deleted_at is not None:
            continue
        found = pricing.amounts(extra, extra.quantity or Decimal(0))
        rows.append(GridRow(f"x{extra.id}", None, extra, None, extra.description or "",
                            money.quantity_text(extra.quantity) or "", extra.unit or "",
                            _stored_price(found), found.total_price, found.priced_by,
                            extra.included, extra.note or ""))
    return rows


def blank_row() -> GridRow:
    return GridRow("new", None, None, None, "", "", "", "", None, None, True, "")


@dataclass
class ReadGrid:
    rows: list[GridRow]
    new_row: GridRow
    changes: list[PriceChange]
    changed_rows: list[GridRow]  # changes[i] came from changed_rows[i]

    @property
    def has_errors(self) -> bool:
        return any(r.errors for r in [*self.rows, self.new_row])

    def place_service_errors(self, problems: list[dict[str, Any]]) -> bool:
        """Put the service's "lines[i].field" problems at their cells; False if one has no cell."""
        placed = True
        for problem in problems:
            name = str(problem.get("parameter", ""))
            head, _, key = name.partition("].")
            try:
                row = self.changed_rows[int(head.removeprefix("lines["))]
            except (ValueError, IndexError):
                placed = False
                continue
            message = str(problem.get("message", "")).split(": ", 1)[-1]
            row.errors[row.name(SERVICE_FIELDS.get(key, "price"))] = message
        return placed


def _typed(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _amount(row: GridRow, what: str, text: str, decimals: int, limit: Decimal,
            label: str) -> Decimal | None:
    try:
        return money.parse_decimal(text or None, decimals=decimals, limit=limit, what=label)
    except money.DecimalRefused as exc:
        row.errors[row.name(what)] = exc.message
        return None


def read_grid(sheet: BudgetSheet, form: FormData, only: str | None = None) -> ReadGrid:
    """The rows as typed, with the changes to save; ``only`` limits reading to one row key."""
    rows = rows_of(sheet)
    new_row = blank_row()
    changes: list[PriceChange] = []
    changed_rows: list[GridRow] = []
    for row in [*rows, new_row]:
        if only is not None and row.key != only:
            continue
        fields = _read_row(row, form)
        if fields is not None and not row.errors:
            changes.append(PriceChange(
                index=len(changes),
                budget_line_id=row.line.id if row.line is not None else None,
                price_entry_id=row.entry.id if row.is_extra and row.entry is not None else None,
                fields=fields))
            changed_rows.append(row)
    return ReadGrid(rows, new_row, changes, changed_rows)


def _read_row(row: GridRow, form: FormData) -> dict[str, Any] | None:
    """Take the typed values into ``row``; the fields that changed, or None when none did."""
    price = _typed(form, row.name("price"))
    included = form.get(row.name("incl")) is not None
    note = _typed(form, row.name("note"))
    if row.key == "new" and not any([price, note, *(_typed(form, row.name(what))
                                                    for what in ("desc", "qty", "unit"))]):
        return None  # the blank row left blank
    fields: dict[str, Any] = {}
    if price != row.price:
        fields["unit_price"] = _amount(row, "price", price, 2, money.MAX_AMOUNT,
                                       "the unit price, in EUR,")
    if included != row.included:
        fields["included"] = included
    if note != row.note:
        if len(note) > MAX_NOTE:
            row.errors[row.name("note")] = f"a note has at most {MAX_NOTE} characters"
        fields["note"] = note or None
    row.price, row.included, row.note = price, included, note
    if row.is_extra:
        if form.get(row.name("del")) is not None and row.entry is not None:
            row.deleted = True
            return {"deleted": True}
        _read_extra(row, form, fields)
    return fields or None


def _read_extra(row: GridRow, form: FormData, fields: dict[str, Any]) -> None:
    description = _typed(form, row.name("desc"))
    quantity = _typed(form, row.name("qty"))
    unit = _typed(form, row.name("unit"))
    if description != row.description or row.key == "new":
        if not description or len(description) > MAX_DESCRIPTION:
            row.errors[row.name("desc")] = (f"describe the line (1 to {MAX_DESCRIPTION} "
                                            "characters)")
        fields["description"] = description
    if quantity != row.quantity or row.key == "new":
        amount = _amount(row, "qty", quantity, 3, money.MAX_QUANTITY, "the quantity")
        if amount is None and row.name("qty") not in row.errors:
            row.errors[row.name("qty")] = "give the quantity, such as 12.5"
        fields["quantity"] = amount
    if unit != row.unit or row.key == "new":
        if not unit or len(unit) > MAX_UNIT:
            row.errors[row.name("unit")] = f"give the unit, such as m2 (1 to {MAX_UNIT} characters)"
        fields["unit"] = unit
    if row.key == "new":
        fields.setdefault("included", row.included)
    row.description, row.quantity, row.unit = description, quantity, unit
