"""Budget lines from a spreadsheet (xlsx with openpyxl, or csv): every row is judged by the same
rules as the API's lines, and one wrong row imports nothing. openpyxl loads with the first xlsx
file, not with the server."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from bidbridge.errors import InvalidParameters
from bidbridge.models import BudgetLine, Workpackage
from bidbridge.services.budget_setup import EXPECTED, NewLine, add_budget_lines, check_line
from bidbridge.services.context import RequestContext

MAX_ROWS = 10_000
# Header names, English or Dutch, case and spaces ignored.
HEADERS: dict[str, str] = {
    "code": "code", "nr": "code", "ordinal": "code", "oz": "code",
    "description": "description", "omschrijving": "description",
    "quantity": "quantity", "qty": "quantity", "hoeveelheid": "quantity",
    "unit": "unit", "eenheid": "unit",
}
REQUIRED = ("description", "quantity", "unit")
TEMPLATE_HEADER = ("code", "description", "quantity", "unit")


@dataclass(frozen=True)
class RowError:
    row: int  # the spreadsheet's own row number (the header is row 1 when it comes first)
    column: str  # the column letter, e.g. "C"; "" for the file or the header as a whole
    field: str
    value: str
    message: str
    expected: str

    def __str__(self) -> str:
        where = "The file" if self.row == 0 else f"Row {self.row}"
        if self.column:
            where += f", column {self.column} ({self.field})"
        shown = f" {self.value!r} —" if self.value else ""
        message = self.message[:1].lower() + self.message[1:]
        return f"{where}:{shown} {message}; expected {self.expected}."


class ImportRefused(InvalidParameters):
    """The spreadsheet was refused as a whole; ``errors`` says row by row why."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(
            f"Nothing was imported: {len(errors)} problem(s) in the spreadsheet. " + str(errors[0]),
            code="spreadsheet_refused",
            data={"errors": [e.__dict__ for e in errors]})
        self.errors = errors


def _rows_of_xlsx(data: bytes) -> list[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise ImportRefused([RowError(0, "", "file", "", f"is not a readable xlsx file ({exc})",
                                      "an .xlsx workbook or a .csv file")]) from exc
    try:
        sheet = book.worksheets[0]
        rows = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            rows.append((number, list(values)))
            if number > MAX_ROWS + 1:
                break
        return rows
    finally:
        book.close()


def _rows_of_csv(data: bytes) -> list[tuple[int, list[Any]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefused([RowError(0, "", "file", "", "is not UTF-8 text",
                                      "a .csv file saved as UTF-8, or an .xlsx workbook")]) from exc
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows: list[tuple[int, list[Any]]] = []
    try:
        for number, values in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
            rows.append((number, list(values)))
            if number > MAX_ROWS + 1:
                break
    except csv.Error as exc:  # a field beyond the csv module's limit, a stray NUL, …
        raise ImportRefused([RowError(len(rows) + 1, "", "row", "", f"cannot be read ({exc})",
                                      "one line per row, fields of ordinary length")]) from exc
    return rows


def column_letter(number: int) -> str:
    """A spreadsheet column's letters, as openpyxl's get_column_letter gives them (1 → A, 27 → AA),
    without loading openpyxl for a csv file."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _quantity(value: Any) -> Any:
    """A cell as an exact decimal: xlsx numbers arrive as float, whose shortest repr is the
    number typed; text must use a dot."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        text = value.strip()
        if "," in text:
            return value  # refused below with the hint to write a dot
        try:
            return Decimal(text)
        except InvalidOperation:
            return value
    return value


def read_lines(filename: str, data: bytes) -> list[NewLine]:
    """The lines of the first sheet, or ImportRefused listing every wrong row."""
    if filename.lower().endswith(".xls") and not data.startswith(b"PK"):
        raise ImportRefused([RowError(0, "", "file", filename, "is an old binary Excel file",
                                      "the workbook saved as .xlsx, or as .csv")])
    rows = _rows_of_xlsx(data) if data.startswith(b"PK\x03\x04") else _rows_of_csv(data)
    rows = [(n, values) for n, values in rows if not all(_blank(v) for v in values)]
    if not rows:
        raise ImportRefused([RowError(1, "", "header", "", "the spreadsheet is empty",
                                      "a header row: " + ", ".join(TEMPLATE_HEADER))])
    header_row, header = rows[0]
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        key = HEADERS.get(str(name or "").strip().lower().replace(" ", ""))
        if key and key not in columns:
            columns[key] = index
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise ImportRefused([RowError(header_row, "", "header", "", "the header row lacks the "
                                      f"column(s) {', '.join(missing)}",
                                      "a first row naming the columns: "
                                      + ", ".join(TEMPLATE_HEADER) + " (code is optional)")])
    body = rows[1:]
    if len(body) > MAX_ROWS:
        raise ImportRefused([RowError(body[MAX_ROWS][0], "", "rows", "", "too many lines",
                                      f"at most {MAX_ROWS:,} lines per import")])
    if not body:
        raise ImportRefused([RowError(header_row + 1, "", "rows", "", "there are no lines "
                                      "under the header", "one line per row under the header")])
    lines: list[NewLine] = []
    errors: list[RowError] = []
    for number, values in body:
        cells = {name: values[i] if i < len(values) else None for name, i in columns.items()}
        given = {name: (None if _blank(v) else v) for name, v in cells.items()}
        if isinstance(given.get("code"), int | float):
            given["code"] = str(given["code"])  # a numeric code typed in a number cell
        for name in ("description", "unit"):
            if given.get(name) is not None and not isinstance(given[name], str):
                given[name] = str(given[name])
        if given.get("quantity") is not None:
            given["quantity"] = _quantity(given["quantity"])
        checked = check_line({k: v for k, v in given.items() if v is not None})
        if isinstance(checked, NewLine):
            lines.append(checked)
            continue
        for problem in checked:
            raw = cells.get(problem.field)
            message = problem.message
            if problem.field == "quantity" and isinstance(raw, str) and "," in raw:
                message = "uses a comma; write the decimals after a dot (12.5, not 12,5)"
            elif raw is None or _blank(raw):
                message = "is empty"
            column = column_letter(columns[problem.field] + 1) \
                if problem.field in columns else ""
            errors.append(RowError(number, column, problem.field,
                                   "" if raw is None else str(raw)[:80], message,
                                   problem.expected or EXPECTED.get(problem.field, "")))
    if errors:
        raise ImportRefused(errors)
    return lines


def import_budget_lines(session: Session, ctx: RequestContext, wp: Workpackage, company_id: int,
                        filename: str, data: bytes) -> list[BudgetLine]:
    """Append the spreadsheet's lines to the workpackage: all of them, or none."""
    lines = read_lines(filename, data)
    return add_budget_lines(session, ctx, wp, company_id, lines, source=f"spreadsheet {filename}")
