"""The bill of quantities of a workpackage: lots, nested titles and typed items; which items
count in a total; GAEB's numeric limits; and replacing a whole bill from an imported file.

A bill is stored as ``bills`` (name, numbering mask, unit-price component labels),
``bill_sections`` (lots and titles) and the workpackage's ``budget_lines`` (the items), so every
service that reads budget lines keeps working on it.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bidbridge.errors import AppError
from bidbridge.models import Bill, BillSection, BudgetLine, Workpackage
from bidbridge.services import events, money
from bidbridge.services.audit import record_event
from bidbridge.services.context import RequestContext
from bidbridge.services.projects import bump_workpackage


class ItemType(enum.StrEnum):
    """An item's type, as GAEB DA XML distinguishes them."""

    NORMAL = "normal"
    LUMP_SUM = "lump_sum"  # Pauschalposition
    PROVISIONAL_WITH_TOTAL = "provisional_with_total"  # Bedarfsposition mit Gesamtbetrag
    PROVISIONAL = "provisional"  # Bedarfsposition ohne Gesamtbetrag
    BASE = "base"  # Grundposition (ALNSerNo 0): counts, its alternatives do not
    ALTERNATIVE = "alternative"  # Wahlposition (ALNSerNo 1-9)
    MARKUP = "markup"  # Zuschlagsposition, priced as an amount

    @property
    def counts_in_total(self) -> bool:
        """Provisional items without total and alternatives are priced but never summed."""
        return self not in (ItemType.PROVISIONAL, ItemType.ALTERNATIVE)


def counts_in_total(line: BudgetLine) -> bool:
    try:
        return ItemType(line.item_type or "normal").counts_in_total
    except ValueError:  # an unknown type stored by hand: count it, as a normal item
        return True


# GAEB DA XML's numeric limits, enforced on every bill we accept so that it can be written back
# out: a unit price of at most 10 digits (2 of them decimals here), a line total of at most 11
# digits (2 decimals), a quantity of at most 8 digits before the point and 3 after it.
MAX_UNIT_PRICE = Decimal("99999999.99")
MAX_LINE_TOTAL = Decimal("999999999.99")
MAX_QUANTITY = Decimal("99999999.999")
MAX_UP_COMPONENTS = 6


def limit_problem(quantity: Decimal | None, unit_price: Decimal | None,
                  total: Decimal | None = None) -> str | None:
    """What breaks GAEB's limits in this line, in words; None when it fits."""
    if quantity is not None and quantity > MAX_QUANTITY:
        return f"the quantity {quantity} has more than 8 digits before the point (at most " \
               f"{MAX_QUANTITY})"
    if unit_price is not None and unit_price > MAX_UNIT_PRICE:
        return f"the unit price {unit_price} has more than 10 digits (at most {MAX_UNIT_PRICE})"
    if total is None and quantity is not None and unit_price is not None:
        total = money.line_total(quantity, unit_price)
    if total is not None and total > MAX_LINE_TOTAL:
        return f"the line total {total} has more than 11 digits (at most {MAX_LINE_TOTAL})"
    return None


@dataclass
class DraftItem:
    """One item of a bill being imported, before it is stored."""

    oz: str
    short_text: str
    item_type: ItemType
    quantity: Decimal
    unit: str
    long_text: str | None = None
    quantity_tbd: bool = False
    alternative_group: str | None = None
    bidder_fields: list[dict[str, str]] = field(default_factory=list)
    unit_price: Decimal | None = None  # only when the file was priced (the bill total)


@dataclass
class DraftSection:
    kind: str  # "lot" or "title"
    rno: str
    label: str
    sections: list[DraftSection] = field(default_factory=list)
    items: list[DraftItem] = field(default_factory=list)


@dataclass
class DraftBill:
    name: str | None
    numbering: list[dict[str, Any]]
    up_component_labels: list[str]
    sections: list[DraftSection]
    source: str

    def items(self) -> list[DraftItem]:
        found: list[DraftItem] = []

        def walk(section: DraftSection) -> None:
            found.extend(section.items)
            for sub in section.sections:
                walk(sub)
        for section in self.sections:
            walk(section)
        return found

    def count(self, kind: str) -> int:
        def walk(section: DraftSection) -> int:
            return (section.kind == kind) + sum(walk(s) for s in section.sections)
        return sum(walk(s) for s in self.sections)


@dataclass(frozen=True)
class ImportSummary:
    lots: int
    titles: int
    items: int
    items_by_type: dict[str, int]
    priced_total: Decimal | None  # the bill total when the file carried prices
    replaced_lines: int
    source: str = ""


def bill_total(items: list[tuple[ItemType, Decimal | None]]) -> Decimal:
    """The sum of the line totals of the items that count (see ItemType.counts_in_total)."""
    return money.add([total for kind, total in items if total is not None
                      and kind.counts_in_total])


def check_draft(draft: DraftBill) -> list[dict[str, str]]:
    """Every inconsistency of a draft bill, per OZ: duplicates, limits, empty fields."""
    problems: list[dict[str, str]] = []
    seen = Counter(item.oz for item in draft.items())
    for item in draft.items():
        def add(message: str, item: DraftItem = item) -> None:
            problems.append({"oz": item.oz, "message": message})
        if not item.oz:
            add("the item has no ordinal number (OZ)")
        elif seen[item.oz] > 1:
            add(f"the OZ {item.oz} is given to {seen[item.oz]} items; each OZ must be unique")
        if not item.short_text.strip():
            add("the item has no short text")
        if len(item.short_text) > 2000:
            add("the short text is longer than 2,000 characters")
        if not item.unit.strip():
            add("the item has no unit")
        if len(item.unit) > 32:
            add("the unit is longer than 32 characters")
        numbers = [v for v in (item.quantity, item.unit_price) if v is not None]
        if not all(v.is_finite() for v in numbers):
            add("the quantity or unit price is not a number")
            continue
        found = limit_problem(item.quantity, item.unit_price)
        if found:  # checked first: a huge number cannot be rounded to compare its decimals
            add(found)
            continue
        if any(v < 0 for v in numbers):
            add("the quantity or unit price is negative")
        if item.quantity != item.quantity.quantize(money.MILLI):
            add(f"the quantity {item.quantity} has more than 3 decimals")
        if item.unit_price is not None and item.unit_price != item.unit_price.quantize(
                money.CENT):
            add(f"the unit price {item.unit_price} has more than 2 decimals")
    if len(draft.up_component_labels) > MAX_UP_COMPONENTS:
        problems.append({"oz": "", "message": f"the bill defines "
                         f"{len(draft.up_component_labels)} unit-price components; GAEB allows "
                         f"at most {MAX_UP_COMPONENTS}"})
    return problems


def refused(parameter: str, message: str, *, code: str = "gaeb_invalid", status: int = 422,
            **data: Any) -> AppError:
    """The file sent as ``parameter`` refused (GAEB's reading and the upload limit)."""
    return AppError(f"'{parameter}': {message}", code=code, status=status,
                    data={"parameter": parameter, **data})


def refuse_inconsistent(problems: list[dict[str, str]], parameter: str) -> AppError:
    shown = "; ".join(f"{p['oz'] or 'bill'}: {p['message']}" for p in problems[:5])
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    return AppError(f"'{parameter}': the bill is inconsistent, nothing was imported: "
                    f"{shown}{more}. Correct the file in your estimating software and import "
                    "it again.", code="bill_inconsistent", status=422,
                    data={"parameter": parameter, "problems": problems})


def get_bill(session: Session, wp_id: int) -> Bill | None:
    return session.scalar(select(Bill).where(Bill.workpackage_id == wp_id))


def live_sections(session: Session, wp_id: int) -> list[BillSection]:
    return list(session.scalars(select(BillSection).where(
        BillSection.workpackage_id == wp_id, BillSection.deleted_at.is_(None))
        .order_by(BillSection.position, BillSection.id)))


def next_positions(session: Session, wp_id: int, count: int, now: datetime
                   ) -> tuple[int | None, list[str]]:
    """Where lines added one by one go in a bill: the last title, with the next free OZs
    (steps of ten after the highest item number there). (None, []) when there is no bill."""
    if count == 0:
        return None, []
    titles = [s for s in live_sections(session, wp_id) if s.kind == "title"]
    if not titles:
        if session.scalar(select(BudgetLine.id).where(BudgetLine.workpackage_id == wp_id,
                                                      BudgetLine.deleted_at.is_(None))):
            return None, []  # lines from before any bill: left as they are
        titles = [_first_title(session, wp_id, now)]
    title = titles[-1]
    ozs = [oz for oz in session.scalars(select(BudgetLine.oz).where(
        BudgetLine.section_id == title.id)) if oz]
    numbers = [(oz.rsplit(".", 1)[0], oz.rsplit(".", 1)[-1]) for oz in ozs if "." in oz]
    numeric = [(prefix, part) for prefix, part in numbers if part.isdigit()]
    if numeric:
        prefix, widest = max(numeric, key=lambda p: int(p[1]))
        start, width = int(widest), len(widest)
    else:
        prefix, start, width = title.rno, 0, 4
    taken = set(ozs)
    found: list[str] = []
    n = start
    while len(found) < count:
        n += 10
        oz = f"{prefix}.{n:0{width}d}"
        if oz not in taken:
            found.append(oz)
    return title.id, found


def _first_title(session: Session, wp_id: int, now: datetime) -> BillSection:
    """A workpackage's first lines start its bill: one title, as migration 0130 files old ones."""
    if get_bill(session, wp_id) is None:
        session.add(Bill(workpackage_id=wp_id, numbering=[{"type": "BoQLevel", "length": 2},
                                                          {"type": "Item", "length": 4}],
                         up_component_labels=[], source="lines", created_at=now,
                         updated_at=now))
    title = BillSection(workpackage_id=wp_id, kind="title", rno="01", label="Budget lines",
                        position=0, created_at=now, updated_at=now)
    session.add(title)
    session.flush()
    return title


def replace_bill(session: Session, ctx: RequestContext, wp: Workpackage, draft: DraftBill,
                 *, parameter: str) -> ImportSummary:
    """Make ``draft`` the workpackage's bill: the old lines and sections are tombstoned (submitted
    proposals keep their snapshots), the new ones stored in the file's order."""
    problems = check_draft(draft)
    if problems:
        raise refuse_inconsistent(problems, parameter)
    now = ctx.now()
    replaced = len(list(session.scalars(update(BudgetLine).where(
        BudgetLine.workpackage_id == wp.id, BudgetLine.deleted_at.is_(None))
        .values(deleted_at=now, updated_at=now).returning(BudgetLine.id))))
    session.execute(update(BillSection).where(
        BillSection.workpackage_id == wp.id, BillSection.deleted_at.is_(None))
        .values(deleted_at=now, updated_at=now))
    bill = get_bill(session, wp.id)
    if bill is None:
        bill = Bill(workpackage_id=wp.id, created_at=now)
        session.add(bill)
    bill.name = (draft.name or None) and draft.name[:200]
    bill.numbering = draft.numbering
    bill.up_component_labels = draft.up_component_labels
    bill.source = draft.source
    bill.updated_at = now
    counter = {"section": 0, "line": 0}
    lines: list[BudgetLine] = []

    def store(section: DraftSection, parent: BillSection | None) -> None:
        row = BillSection(workpackage_id=wp.id, parent_id=parent.id if parent else None,
                          kind=section.kind, rno=section.rno[:16], label=section.label or "",
                          position=counter["section"], created_at=now, updated_at=now)
        counter["section"] += 1
        session.add(row)
        session.flush()
        for item in section.items:
            line = BudgetLine(
                workpackage_id=wp.id, section_id=row.id, code=item.oz[:64], oz=item.oz,
                description=item.short_text.strip(), quantity=item.quantity,
                unit=item.unit.strip(), position=counter["line"], item_type=item.item_type.value,
                alternative_group=item.alternative_group, long_text=item.long_text or None,
                quantity_tbd=item.quantity_tbd, bidder_fields=item.bidder_fields or None,
                created_at=now, updated_at=now)
            counter["line"] += 1
            lines.append(line)
        session.add_all(lines[len(lines) - len(section.items):])
        for sub in section.sections:
            store(sub, row)

    for section in draft.sections:
        store(section, None)
    bump_workpackage(session, wp, now)
    session.flush()
    items = draft.items()
    by_type = Counter(item.item_type.value for item in items)
    priced = [item for item in items if item.unit_price is not None]
    total = bill_total([(item.item_type, money.line_total(item.quantity, item.unit_price))
                        for item in priced if item.unit_price is not None]) if priced else None
    summary = ImportSummary(lots=draft.count("lot"), titles=draft.count("title"),
                            items=len(items), items_by_type=dict(sorted(by_type.items())),
                            priced_total=total, replaced_lines=replaced, source=draft.source)
    record_event(session, ctx, "bill.imported", company_id=wp.project.company_id,
                 target_type="workpackage", target_id=wp.id, target_label=wp.name,
                 data={"source": draft.source, "lots": summary.lots, "titles": summary.titles,
                       "items": summary.items, "itemsByType": summary.items_by_type,
                       "replacedLines": replaced})
    events.rfps_changed(session, ctx, ["budgetLines"], workpackage_id=wp.id)
    return summary
