"""The price comparison's grid as an xlsx workbook, with openpyxl: a column triple (unit price,
total, note) per bidder. openpyxl loads with this module, which the download imports when it is
asked for, so a server worker that never writes one carries none of it."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any, cast

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from bidbridge.services.comparison import Comparison
from bidbridge.services.comparison_grid import EXCLUDED, PRICED, GridCell, grid, grid_cell

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
                row += (out.priced(grid_cell(PRICED if extra.included else EXCLUDED,
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
