"""The price comparison as a leveling grid — budget lines down, bidders across — for the page, and
for its xlsx workbook (services.comparison_xlsx). Both read services.comparison, so the page and
the file show the same."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bidbridge.models import BudgetLine
from bidbridge.services.comparison import Column, Comparison, ExtraRow, money

# How a bidder's cell on a budget line reads: a price; not priced at all (different from 0);
# priced but left out of the proposal; or no proposal from that bidder.
PRICED, NOT_PRICED, EXCLUDED, NO_PROPOSAL = "priced", "not_priced", "excluded", "no_proposal"
LABELS = {NOT_PRICED: "not priced", EXCLUDED: "excluded", NO_PROPOSAL: "no proposal"}


def money_text(value: Decimal | None) -> str | None:
    return None if value is None else format(money(value), "f")


def unit_text(value: Decimal | None) -> str | None:
    """A unit price as given (at least two decimals); one derived from a total carries four."""
    if value is None:
        return None
    text = format(value, "f")
    dot = text.find(".")
    if dot >= 0 and len(text) - dot - 1 >= 2:
        return text  # two decimals as typed, or more (derived): shown as they are
    return format(money(value), "f")


@dataclass(frozen=True)
class GridCell:
    state: str
    unit_price: Decimal | None = None
    total: Decimal | None = None
    lowest: bool = False
    # The amounts as shown, computed once here: a 10 × 500 grid renders 10,000 of them.
    unit_shown: str = ""
    total_shown: str = ""

    @property
    def label(self) -> str:
        return LABELS.get(self.state, "")


def grid_cell(state: str, unit_price: Decimal | None = None, total: Decimal | None = None,
              lowest: bool = False) -> GridCell:
    return GridCell(state, unit_price, total, lowest, unit_text(unit_price) or "",
                    money_text(total) or "")


@dataclass(frozen=True)
class GridRow:
    line: BudgetLine
    cells: list[GridCell]  # one per column, in column order


@dataclass(frozen=True)
class Grid:
    columns: list[Column]
    rows: list[GridRow]
    extras: list[tuple[Column, ExtraRow]]  # bidders' own lines: they differ from the scope
    lowest_total_rfp_ids: list[int]

    @property
    def bidders(self) -> int:
        return sum(1 for c in self.columns if c.proposal is not None)


NO_PROPOSAL_CELL = GridCell(NO_PROPOSAL)
NOT_PRICED_CELL = GridCell(NOT_PRICED)


def grid(result: Comparison) -> Grid:
    # (rfp id, has a proposal) once per column: the loop below runs bidders × lines times.
    columns = [(column.rfp.id, column.proposal is not None) for column in result.columns]
    rows = []
    for row in result.rows:
        cells = []
        found = row.cells
        for rfp_id, has_proposal in columns:
            cell = found.get(rfp_id)
            if not has_proposal:
                cells.append(NO_PROPOSAL_CELL)
            elif cell is None or (cell.total is None and cell.unit_price is None):
                cells.append(NOT_PRICED_CELL)
            elif not cell.included:
                cells.append(grid_cell(EXCLUDED, cell.unit_price, cell.total))
            else:
                cells.append(grid_cell(PRICED, cell.unit_price, cell.total,
                                       rfp_id in row.lowest_rfp_ids))
        rows.append(GridRow(row.line, cells))
    extras = [(column, extra) for column in result.columns for extra in column.extra_rows]
    return Grid(result.columns, rows, extras, result.lowest_total_rfp_ids)
