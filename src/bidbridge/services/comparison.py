"""The price comparison of one workpackage: each invited subcontractor's current proposal, line by
line against the budget lines, with totals and the lowest price per line. Exact decimals only."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bidbridge.models import (
    Addendum,
    BudgetLine,
    Company,
    Proposal,
    ProposalState,
    Rfp,
    Workpackage,
)
from bidbridge.services.bill import counts_in_total

CENT = Decimal("0.01")
UNIT_QUANTUM = Decimal("0.0001")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Cell:
    unit_price: Decimal | None
    total: Decimal | None  # the line's amount in this proposal
    included: bool


@dataclass(frozen=True)
class ExtraRow:
    description: str
    quantity: Decimal | None
    unit: str | None
    unit_price: Decimal | None
    total: Decimal | None
    included: bool


@dataclass
class Column:
    rfp: Rfp
    company: Company
    proposal: Proposal | None  # the latest version, unless it was withdrawn
    withdrawn: bool = False
    extra_rows: list[ExtraRow] = field(default_factory=list)
    lines_total: Decimal | None = None  # the included budget lines' amounts
    extras_total: Decimal | None = None
    # Whether the proposal was submitted on the workpackage's latest addendum (None: no
    # proposal); one that is not needs reconfirmation.
    on_latest_addendum: bool | None = None


@dataclass
class Row:
    line: BudgetLine
    cells: dict[int, Cell] = field(default_factory=dict)  # rfp id -> cell
    lowest: Decimal | None = None
    lowest_rfp_ids: list[int] = field(default_factory=list)


@dataclass
class Comparison:
    workpackage: Workpackage
    columns: list[Column]
    rows: list[Row]
    latest_addendum: int = 0
    lowest_total: Decimal | None = None
    lowest_total_rfp_ids: list[int] = field(default_factory=list)


def _pick(item: dict[str, Any], *keys: str) -> Any:
    # Snapshots are read by either spelling (API camelCase or attribute snake_case).
    for key in keys:
        if key in item and item[key] is not None:
            return item[key]
    return None


def _decimal(value: Any) -> Decimal | None:
    return None if value is None or value == "" else Decimal(str(value))


def _priced(item: dict[str, Any], quantity: Decimal | None) -> tuple[Decimal | None, Decimal | None]:
    """(unit price, line amount) of a snapshot item: a given total wins over unit × quantity."""
    unit = _decimal(_pick(item, "unitPrice", "unit_price"))
    total = _decimal(_pick(item, "lineTotal", "line_total", "amount", "totalPrice",
                           "total_price"))
    if total is None:
        if unit is not None and quantity is not None:
            return unit, money(unit * quantity)
        return unit, None
    if unit is None and quantity:
        # Derived unit prices carry four decimals, as the proposal snapshot writes them.
        unit = (total / quantity).quantize(UNIT_QUANTUM, rounding=ROUND_HALF_UP)
    return unit, money(total)


def latest_proposals(session: Session, rfp_ids: list[int]) -> dict[int, Proposal]:
    """The newest version per RFP, whatever its state."""
    if not rfp_ids:
        return {}
    newest = (select(Proposal.rfp_id, func.max(Proposal.version).label("v"))
              .where(Proposal.rfp_id.in_(rfp_ids)).group_by(Proposal.rfp_id).subquery())
    rows = session.scalars(select(Proposal).join(
        newest, (newest.c.rfp_id == Proposal.rfp_id) & (newest.c.v == Proposal.version)))
    return {p.rfp_id: p for p in rows}


def _lowest(amounts: dict[int, Decimal]) -> tuple[Decimal | None, list[int]]:
    if not amounts:
        return None, []
    low = min(amounts.values())
    return low, sorted(i for i, a in amounts.items() if a == low)


def compare(session: Session, wp: Workpackage) -> Comparison:
    lines = list(session.scalars(select(BudgetLine).where(
        BudgetLine.workpackage_id == wp.id, BudgetLine.deleted_at.is_(None))
        .order_by(BudgetLine.position, BudgetLine.id)))
    rfps = list(session.scalars(select(Rfp).where(Rfp.workpackage_id == wp.id).order_by(Rfp.id)))
    latest = latest_proposals(session, [r.id for r in rfps])
    addendum = session.scalar(select(func.max(Addendum.number))
                              .where(Addendum.workpackage_id == wp.id)) or 0
    rows = {line.id: Row(line) for line in lines}
    columns = []
    for rfp in rfps:
        proposal = latest.get(rfp.id)
        withdrawn = proposal is not None and proposal.state == ProposalState.WITHDRAWN
        column = Column(rfp, rfp.company, None if withdrawn else proposal, withdrawn)
        columns.append(column)
        if column.proposal is not None:
            column.on_latest_addendum = column.proposal.addendum_number >= addendum
            _fill(column, column.proposal, rows)
    for row in rows.values():
        row.lowest, row.lowest_rfp_ids = _lowest(
            {i: c.total for i, c in row.cells.items() if c.included and c.total is not None})
    comparison = Comparison(wp, columns, list(rows.values()), addendum)
    comparison.lowest_total, comparison.lowest_total_rfp_ids = _lowest(
        {c.rfp.id: c.proposal.total_amount for c in columns if c.proposal is not None})
    return comparison


def _fill(column: Column, proposal: Proposal, rows: dict[int, Row]) -> None:
    lines_total = extras_total = Decimal("0.00")
    for item in proposal.lines or []:
        line_id = _pick(item, "budgetLineId", "budget_line_id")
        included = bool(_pick(item, "included") if "included" in item else True)
        if line_id is not None and int(line_id) in rows:
            row = rows[int(line_id)]
            given = _decimal(_pick(item, "quantity"))
            unit, total = _priced(item, row.line.quantity if given is None else given)
            row.cells[column.rfp.id] = Cell(unit, total, included)
            # Provisional items without total and alternatives are compared but not summed.
            if included and total is not None and counts_in_total(row.line):
                lines_total += total
        elif line_id is None:
            extra_quantity = _decimal(_pick(item, "quantity"))
            unit, total = _priced(item, extra_quantity)
            column.extra_rows.append(ExtraRow(str(_pick(item, "description") or ""),
                                              extra_quantity,
                                              _pick(item, "unit"), unit, total, included))
            if included and total is not None:
                extras_total += total
    column.lines_total, column.extras_total = money(lines_total), money(extras_total)
