"""The price comparison as a leveling grid — budget lines down, bidders across — and as an xlsx
workbook (openpyxl). Both read services.comparison, so the page and the file show the same."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import Cell as XlCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

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
    exponent = value.as_tuple().exponent
    return format(value if isinstance(exponent, int) and exponent < -2 else money(value), "f")


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


def _cell(state: str, unit_price: Decimal | None = None, total: Decimal | None = None,
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
    rows = []
    for row in result.rows:
        cells = []
        for column in result.columns:
            cell = row.cells.get(column.rfp.id)
            if column.proposal is None:
                cells.append(NO_PROPOSAL_CELL)
            elif cell is None or (cell.total is None and cell.unit_price is None):
                cells.append(NOT_PRICED_CELL)
            elif not cell.included:
                cells.append(_cell(EXCLUDED, cell.unit_price, cell.total))
            else:
                cells.append(_cell(PRICED, cell.unit_price, cell.total,
                                   column.rfp.id in row.lowest_rfp_ids))
        rows.append(GridRow(row.line, cells))
    extras = [(column, extra) for column in result.columns for extra in column.extra_rows]
    return Grid(result.columns, rows, extras, result.lowest_total_rfp_ids)


LOWEST_FILL = PatternFill("solid", fgColor="E6F4EC")
HEAD = Font(bold=True)
MONEY = "#,##0.00"
UNIT = "#,##0.00##"


def _at(sheet: Worksheet, row: int, col: int) -> XlCell:
    cell = sheet.cell(row, col)
    assert isinstance(cell, XlCell)  # nothing here is merged
    return cell


def _text(cell: XlCell, value: str | None) -> None:
    # Always a string, never a formula: a description like "=HYPERLINK(...)" stays text.
    cell.value = value
    cell.data_type = "s"


def _number(cell: XlCell, value: Decimal | None, number_format: str) -> None:
    cell.value = value
    cell.number_format = number_format


def _put(sheet: Worksheet, row: int, col: int, g: GridCell) -> None:
    if g.state in (PRICED, EXCLUDED):
        _number(_at(sheet, row, col), g.unit_price, UNIT)
        _number(_at(sheet, row, col + 1), g.total, MONEY)
        if g.state == EXCLUDED:
            _text(_at(sheet, row, col + 2), "excluded")
        if g.lowest:
            for c in (col, col + 1):
                _at(sheet, row, c).fill = LOWEST_FILL
                _at(sheet, row, c).font = HEAD
    else:
        _text(_at(sheet, row, col), g.label)
        _at(sheet, row, col).font = Font(italic=True, color="5F6B7A")


def workbook(result: Comparison, title: str) -> bytes:
    """The grid as an xlsx file: a column triple (unit price, total, note) per bidder."""
    table = grid(result)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Comparison"
    _text(_at(sheet, 1, 1), title)
    _at(sheet, 1, 1).font = Font(bold=True, size=13)
    fixed = ("Code", "Description", "Quantity", "Unit")
    for i, name in enumerate(fixed, start=1):
        _text(_at(sheet, 3, i), name)
        _at(sheet, 3, i).font = HEAD
    first = len(fixed) + 1
    for n, column in enumerate(table.columns):
        col = first + 3 * n
        _text(_at(sheet, 2, col), column.company.name)
        _at(sheet, 2, col).font = HEAD
        version = f"version {column.proposal.version}" if column.proposal else "no proposal"
        _text(_at(sheet, 2, col + 2), version)
        for offset, name in enumerate(("Unit price", "Total", "Note")):
            _text(_at(sheet, 3, col + offset), name)
            _at(sheet, 3, col + offset).font = HEAD
    r = 4
    for grid_row in table.rows:
        line = grid_row.line
        _text(_at(sheet, r, 1), line.code)
        _text(_at(sheet, r, 2), line.description)
        _number(_at(sheet, r, 3), line.quantity, "#,##0.###")
        _text(_at(sheet, r, 4), line.unit)
        for n, g in enumerate(grid_row.cells):
            _put(sheet, r, first + 3 * n, g)
        r += 1
    if table.extras:
        r += 1
        _text(_at(sheet, r, 1), "Bidders' own lines (differ from the scope)")
        _at(sheet, r, 1).font = HEAD
        r += 1
        for column, extra in table.extras:
            _text(_at(sheet, r, 2), extra.description)
            _number(_at(sheet, r, 3), extra.quantity, "#,##0.###")
            _text(_at(sheet, r, 4), extra.unit)
            col = first + 3 * table.columns.index(column)
            _put(sheet, r, col, _cell(PRICED if extra.included else EXCLUDED,
                                      extra.unit_price, extra.total))
            r += 1
    r += 1
    for label, attr in (("Budget lines total", "lines_total"), ("Own lines total", "extras_total"),
                        ("Proposal total", None)):
        _text(_at(sheet, r, 2), label)
        _at(sheet, r, 2).font = HEAD
        for n, column in enumerate(table.columns):
            if column.proposal is None:
                continue
            value = getattr(column, attr) if attr else column.proposal.total_amount
            cell = _at(sheet, r, first + 3 * n + 1)
            _number(cell, value, MONEY)
            cell.font = HEAD
            if attr is None and column.rfp.id in table.lowest_total_rfp_ids:
                cell.fill = LOWEST_FILL
        r += 1
    sheet.column_dimensions["B"].width = 48
    for n in range(len(table.columns) * 3):
        sheet.column_dimensions[get_column_letter(first + n)].width = 14
    sheet.freeze_panes = _at(sheet, 4, first)
    for row_cells in sheet.iter_rows(min_row=4, max_col=2):
        row_cells[1].alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
