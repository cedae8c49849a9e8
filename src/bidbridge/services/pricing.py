"""Budget-line pricing: the subcontractor's draft prices per line and its own extra rows.

A price entry stores exactly what was typed — a unit price or a total price — and the other
amount is derived on read (services.money): a given unit price gives total = quantity x unit
price rounded half-up to cents; a given total gives unit price = total / quantity rounded
half-up to four decimals. Totals therefore follow the contractor's current quantities.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidbridge.errors import InvalidParameters
from bidbridge.models import BudgetLine, PriceEntry, Rfp
from bidbridge.services import money
from bidbridge.services.audit import record_event
from bidbridge.services.bill import MAX_LINE_TOTAL, counts_in_total, limit_problem
from bidbridge.services.context import RequestContext
from bidbridge.services.scoping import RFP_OF_SUBCONTRACTOR, load, touch_rfp
from bidbridge.services.tender_rules import ensure_open

MAX_EXTRA_ROWS = 500
PARAMETER = "lines"


@dataclass(frozen=True)
class Amounts:
    """A line's unit price and total; ``priced_by`` says which of the two was typed."""

    unit_price: Decimal | None
    total_price: Decimal | None
    priced_by: str | None  # "unitPrice", "totalPrice" or None (not priced)

    @property
    def priced(self) -> bool:
        return self.total_price is not None


def amounts(entry: PriceEntry | None, quantity: Decimal) -> Amounts:
    if entry is None:
        return Amounts(None, None, None)
    if entry.unit_price is not None:
        return Amounts(entry.unit_price, money.line_total(quantity, entry.unit_price), "unitPrice")
    if entry.total_price is not None:
        return Amounts(money.derived_unit_price(entry.total_price, quantity), entry.total_price,
                       "totalPrice")
    return Amounts(None, None, None)


@dataclass
class BudgetSheet:
    """Everything getBudgetLines shows: lines with our entries, our extra rows, the total."""

    rfp: Rfp
    lines: list[tuple[BudgetLine, PriceEntry | None]]
    extras: list[PriceEntry]
    included_total: Decimal = money.ZERO
    priced_count: int = 0
    included_count: int = 0

    def live_rows(self) -> list[tuple[BudgetLine | None, PriceEntry, Amounts]]:
        """Priced rows that count: lines not deleted by the contractor, extra rows not removed."""
        rows: list[tuple[BudgetLine | None, PriceEntry, Amounts]] = []
        for line, entry in self.lines:
            if line.deleted_at is None and entry is not None:
                found = amounts(entry, line.quantity)
                if found.priced:
                    rows.append((line, entry, found))
        for extra in self.extras:
            if extra.deleted_at is None:
                found = amounts(extra, extra.quantity or Decimal(0))
                if found.priced:
                    rows.append((None, extra, found))
        return rows


def _lines(session: Session, rfp: Rfp) -> list[BudgetLine]:
    return list(session.scalars(
        select(BudgetLine).where(BudgetLine.workpackage_id == rfp.workpackage_id)))


def _entries(session: Session, rfp: Rfp) -> list[PriceEntry]:
    return list(session.scalars(select(PriceEntry).where(PriceEntry.rfp_id == rfp.id)))


def load_sheet(session: Session, rfp: Rfp) -> BudgetSheet:
    return build_sheet(rfp, _lines(session, rfp), _entries(session, rfp))


def build_sheet(rfp: Rfp, lines: list[BudgetLine], entries: list[PriceEntry]) -> BudgetSheet:
    """The sheet from rows already loaded (pricing reuses its own instead of querying again)."""
    lines = sorted(lines, key=lambda line: (line.position, line.id))
    entries = sorted(entries, key=lambda e: (e.position, e.id))
    by_line = {e.budget_line_id: e for e in entries if e.budget_line_id is not None}
    sheet = BudgetSheet(rfp=rfp, lines=[(line, by_line.get(line.id)) for line in lines],
                        extras=[e for e in entries if e.budget_line_id is None])
    live = sheet.live_rows()
    # Only the items that count enter the total: not provisional items without total, not
    # alternatives (services.bill.ItemType.counts_in_total); extra rows always count.
    included = [a.total_price for line, e, a in live if e.included and a.total_price is not None
                and (line is None or counts_in_total(line))]
    sheet.priced_count = len(live)
    sheet.included_count = len(included)
    sheet.included_total = money.add(included)
    return sheet


def get_budget_sheet(session: Session, company_id: int, rfp_id: int) -> BudgetSheet:
    return load_sheet(session, load(session, RFP_OF_SUBCONTRACTOR, rfp_id, for_company=company_id))


@dataclass(frozen=True)
class PriceChange:
    """One item of priceBudgetLines; ``fields`` holds only the keys the caller sent."""

    index: int
    budget_line_id: int | None = None
    price_entry_id: int | None = None
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Problems:
    items: list[dict[str, Any]] = field(default_factory=list)

    def add(self, index: int, key: str | None, message: str, problem: str = "invalid") -> None:
        name = f"{PARAMETER}[{index}]" + (f".{key}" if key else "")
        self.items.append({"parameter": name, "in": "query", "problem": problem,
                           "message": f"{name}: {message}"})

    def raise_if_any(self) -> None:
        if self.items:
            names = ", ".join(p["parameter"] for p in self.items)
            raise InvalidParameters(f"priceBudgetLines: invalid lines: {names}. Nothing was "
                                    "saved; see 'errors' for each line.",
                                    data={"errors": self.items})


def price_budget_lines(session: Session, ctx: RequestContext, company_id: int, rfp_id: int,
                       changes: list[PriceChange]) -> BudgetSheet:
    """Save draft prices (all items or none) and return the sheet as it now stands."""
    rfp = load(session, RFP_OF_SUBCONTRACTOR, rfp_id, for_company=company_id, for_update=True)
    now = ctx.now()
    ensure_open(rfp, now, "pricing")
    lines = {line.id: line for line in _lines(session, rfp)}
    entries = _entries(session, rfp)
    by_line = {e.budget_line_id: e for e in entries if e.budget_line_id is not None}
    extras = {e.id: e for e in entries if e.budget_line_id is None}
    problems = _Problems()
    seen_lines: set[int] = set()
    seen_extras: set[int] = set()
    new_extras = 0
    for change in changes:
        _check(change, lines, extras, seen_lines, seen_extras, problems)
        if change.budget_line_id is None and change.price_entry_id is None:
            new_extras += 1
    live_extras = sum(1 for e in extras.values() if e.deleted_at is None)
    if new_extras and live_extras + new_extras > MAX_EXTRA_ROWS:
        problems.add(next(c.index for c in changes if c.budget_line_id is None
                          and c.price_entry_id is None), None,
                     f"an RFP holds at most {MAX_EXTRA_ROWS} extra rows; {live_extras} exist and "
                     f"{new_extras} were sent. Delete rows you no longer need.", "too_many")
    problems.raise_if_any()
    position = max((e.position for e in extras.values()), default=-1)
    line_ids: list[int] = []
    extra_rows: list[PriceEntry] = []
    for change in changes:
        if change.budget_line_id is not None:
            entry = by_line.get(change.budget_line_id)
            if entry is None:
                entry = by_line[change.budget_line_id] = PriceEntry(
                    rfp_id=rfp.id, budget_line_id=change.budget_line_id, included=True,
                    position=lines[change.budget_line_id].position, updated_at=now)
                session.add(entry)
                entries.append(entry)
            line_ids.append(change.budget_line_id)
        elif change.price_entry_id is not None:
            entry = extras[change.price_entry_id]
            extra_rows.append(entry)
        else:
            position += 1
            entry = PriceEntry(rfp_id=rfp.id, included=True, position=position, updated_at=now)
            session.add(entry)
            entries.append(entry)
            extra_rows.append(entry)
        _apply(entry, change.fields, now)
    session.flush()  # one flush for all items; it gives the new extra rows their ids
    touch_rfp(rfp, now)
    record_event(session, ctx, "budget_lines.priced", company_id=company_id, target_type="rfp",
                 target_id=rfp.id, target_label=rfp.workpackage.name,
                 data={"count": len(changes), "budgetLineIds": line_ids,
                       "priceEntryIds": [entry.id for entry in extra_rows]})
    session.flush()
    # The rows are all in hand: build the answer from them rather than querying again.
    return build_sheet(rfp, list(lines.values()), entries)


def _check(change: PriceChange, lines: dict[int, BudgetLine], extras: dict[int, PriceEntry],
           seen_lines: set[int], seen_extras: set[int], problems: _Problems) -> None:
    i, fields = change.index, change.fields
    if change.budget_line_id is not None:
        line = lines.get(change.budget_line_id)
        if line is None:
            problems.add(i, "budgetLineId", f"budget line {change.budget_line_id} is not a line of "
                         "this RFP's workpackage. List the lines with getBudgetLines.", "not_found")
            return
        if line.deleted_at is not None:
            problems.add(i, "budgetLineId", f"budget line {line.id} was deleted by the contractor "
                         "and can no longer be priced.", "deleted")
        if line.id in seen_lines:
            problems.add(i, "budgetLineId", f"budget line {line.id} appears more than once in "
                         "this call; send each line once.", "duplicate")
        seen_lines.add(line.id)
        quantity = line.quantity
    elif change.price_entry_id is not None:
        entry = extras.get(change.price_entry_id)
        if entry is None:
            problems.add(i, "priceEntryId", f"{change.price_entry_id} is not one of your extra "
                         "rows on this RFP. getBudgetLines lists them under extraRows.",
                         "not_found")
            return
        if change.price_entry_id in seen_extras:
            problems.add(i, "priceEntryId", f"extra row {entry.id} appears more than once in "
                         "this call; send each row once.", "duplicate")
        seen_extras.add(entry.id)
        if entry.deleted_at is not None and not fields.get("deleted"):
            problems.add(i, "priceEntryId", f"extra row {entry.id} was deleted; add a new row "
                         "instead.", "deleted")
        quantity = fields.get("quantity", entry.quantity) or Decimal(0)
        # A new quantity multiplies the unit price already stored.
        if "unit_price" not in fields and "total_price" not in fields:
            fields = {**fields, "unit_price": entry.unit_price}
    else:
        quantity = fields.get("quantity") or Decimal(0)
    unit_price = fields.get("unit_price")
    total_price = fields.get("total_price")
    # GAEB's limits hold for every line, so that any priced bill can be written as an X84.
    found = limit_problem(quantity, unit_price)
    if found:
        problems.add(i, "unitPrice" if unit_price is not None else "quantity",
                     f"{found}; GAEB DA XML cannot carry it.", "too_large")
    elif unit_price is None and total_price is not None and total_price > MAX_LINE_TOTAL:
        problems.add(i, "totalPrice", f"the line total {total_price} has more than 11 digits "
                     f"(at most {MAX_LINE_TOTAL}); GAEB DA XML cannot carry it.", "too_large")


def _apply(entry: PriceEntry, fields: dict[str, Any], now: datetime) -> None:
    if fields.get("deleted"):
        entry.deleted_at = entry.deleted_at or now
        entry.updated_at = now
        return
    for name in ("description", "quantity", "unit", "note"):
        if name in fields:
            setattr(entry, name, fields[name])
    # Store exactly what was typed; the other amount is derived on read.
    if "unit_price" in fields or "total_price" in fields:
        entry.unit_price = fields.get("unit_price")
        entry.total_price = fields.get("total_price") if entry.unit_price is None else None
    if "included" in fields:
        entry.included = bool(fields["included"])
    entry.updated_at = now
