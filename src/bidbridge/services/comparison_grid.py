"""The price comparison as a leveling grid — budget lines down, bidders across — and as an xlsx
workbook (openpyxl). Both read services.comparison, so the page and the file show the same."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

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
                cells.append(_cell(EXCLUDED, cell.unit_price, cell.total))
            else:
                cells.append(_cell(PRICED, cell.unit_price, cell.total,
                                   rfp_id in row.lowest_rfp_ids))
        rows.append(GridRow(row.line, cells))
    extras = [(column, extra) for column in result.columns for extra in column.extra_rows]
    return Grid(result.columns, rows, extras, result.lowest_total_rfp_ids)


LOWEST_FILL = PatternFill("solid", fgColor="E6F4EC")
HEAD = Font(bold=True)
NOTE = Font(italic=True, color="5F6B7A")
MONEY = "#,##0.00"
UNIT = "#,##0.00##"
QUANTITY = "#,##0.###"
FIXED = ("Code", "Description", "Quantity", "Unit")


class _Rows:
    """Rows for a write-only sheet (streamed: a 10 × 500 grid writes in a fraction of the time
    of a sheet kept in memory), built cell by cell."""

    def __init__(self, sheet: Any) -> None:
        self.sheet = sheet

    def text(self, value: str | None, font: Font | None = None) -> Cell:
        # Always a string, never a formula: a description like "=HYPERLINK(...)" stays text.
        cell = WriteOnlyCell(self.sheet, value=value)
        cell.data_type = "s"
        if font is not None:
            cell.font = font
        return cell

    def number(self, value: Decimal | None, number_format: str, *, lowest: bool = False,
               font: Font | None = None) -> Cell:
        # openpyxl writes a Decimal exactly as a number (its stubs only say float).
        cell = WriteOnlyCell(self.sheet, value=cast(Any, value))
        cell.number_format = number_format
        if lowest:
            cell.fill = LOWEST_FILL
            cell.font = HEAD
        elif font is not None:
            cell.font = font
        return cell

    def priced(self, g: GridCell) -> list[Any]:
        """A bidder's triple (unit price, total, note)."""
        if g.state in (PRICED, EXCLUDED):
            return [self.number(g.unit_price, UNIT, lowest=g.lowest),
                    self.number(g.total, MONEY, lowest=g.lowest),
                    self.text("excluded") if g.state == EXCLUDED else None]
        return [self.text(g.label, NOTE), None, None]


def workbook(result: Comparison, title: str) -> bytes:
    """The grid as an xlsx file: a column triple (unit price, total, note) per bidder."""
    table = grid(result)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Comparison")
    first = len(FIXED) + 1
    sheet.column_dimensions["B"].width = 48
    for n in range(len(table.columns) * 3):
        sheet.column_dimensions[get_column_letter(first + n)].width = 14
    sheet.freeze_panes = f"{get_column_letter(first)}4"
    out = _Rows(sheet)
    sheet.append([out.text(title, Font(bold=True, size=13))])
    names: list[Any] = [None] * len(FIXED)
    heads: list[Any] = [out.text(name, HEAD) for name in FIXED]
    for column in table.columns:
        version = f"version {column.proposal.version}" if column.proposal else "no proposal"
        names += [out.text(column.company.name, HEAD), None, out.text(version)]
        heads += [out.text(name, HEAD) for name in ("Unit price", "Total", "Note")]
    sheet.append(names)
    sheet.append(heads)
    for grid_row in table.rows:
        line = grid_row.line
        row: list[Any] = [out.text(line.code), out.text(line.description),
                          out.number(line.quantity, QUANTITY), out.text(line.unit)]
        for g in grid_row.cells:
            row += out.priced(g)
        sheet.append(row)
    if table.extras:
        sheet.append([])
        sheet.append([out.text("Bidders' own lines (differ from the scope)", HEAD)])
        for column, extra in table.extras:
            row = [None, out.text(extra.description), out.number(extra.quantity, QUANTITY),
                   out.text(extra.unit)]
            for other in table.columns:
                row += (out.priced(_cell(PRICED if extra.included else EXCLUDED,
                                         extra.unit_price, extra.total))
                        if other is column else [None, None, None])
            sheet.append(row)
    sheet.append([])
    for label, attr in (("Budget lines total", "lines_total"), ("Own lines total", "extras_total"),
                        ("Proposal total", None)):
        row = [None, out.text(label, HEAD), None, None]
        for column in table.columns:
            if column.proposal is None:
                row += [None, None, None]
                continue
            value = getattr(column, attr) if attr else column.proposal.total_amount
            lowest = attr is None and column.rfp.id in table.lowest_total_rfp_ids
            row += [None, out.number(value, MONEY, lowest=lowest, font=HEAD), None]
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()
