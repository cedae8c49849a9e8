"""The bill of quantities as a spreadsheet (openpyxl), for those without estimating software:
the same bill as the X83, with its OZs, item types, long texts and (priced) unit prices. The
contractor imports a bill from it; the subcontractor prices the RFP with it. A wrong cell is
reported by row and column, and one wrong cell imports nothing. openpyxl loads when a file is
written or read, not with the server."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from bidbridge.models import Workpackage
from bidbridge.services import money
from bidbridge.services.audit import record_event
from bidbridge.services.bill import (
    DraftBill,
    DraftItem,
    DraftSection,
    ImportSummary,
    ItemType,
    check_draft,
    counts_in_total,
    limit_problem,
    replace_bill,
)
from bidbridge.services.bill_export import BillRows, LinePrice, item_ozs
from bidbridge.services.budget_import import (
    ImportRefused,
    RowError,
    _blank,
    _quantity,
    _rows_of_xlsx,
    column_letter,
)
from bidbridge.services.context import RequestContext
from bidbridge.services.gaeb_exchange import UploadResult
from bidbridge.services.pricing import PriceChange, load_sheet, price_budget_lines
from bidbridge.services.scoping import RFP_OF_SUBCONTRACTOR, load

HEADER = ("OZ", "Type", "Short text", "Long text", "Quantity", "Unit", "Quantity TBD",
          "Unit price", "Total", "Counts in total")
SECTION_KINDS = ("lot", "title")
_COLUMN = {name: column_letter(i + 1) for i, name in enumerate(HEADER)}
TYPES = ", ".join([*SECTION_KINDS, *(t.value for t in ItemType)])


def _path_of(section_id: int | None, by_id: dict[int, Any]) -> list[str]:
    path: list[str] = []
    while section_id is not None and section_id in by_id:
        path.insert(0, by_id[section_id].rno)
        section_id = by_id[section_id].parent_id
    return path


def export_xlsx(rows: BillRows, prices: dict[int, LinePrice] | None = None) -> bytes:
    """The bill, one row per lot, title and item, in the bill's order; prices when given."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Bill"
    sheet.append(list(HEADER))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    by_id = {s.id: s for s in rows.sections}
    ozs = item_ozs(rows.lines)
    written: set[int] = set()

    def section_rows(section_id: int | None) -> None:
        if section_id is None or section_id in written or section_id not in by_id:
            return
        section = by_id[section_id]
        section_rows(section.parent_id)
        written.add(section_id)
        sheet.append([".".join(_path_of(section_id, by_id)), section.kind, section.label])

    for line in rows.lines:
        section_rows(line.section_id)
        price = (prices or {}).get(line.id)
        sheet.append([
            ozs[line.id], line.item_type or "normal", line.description, line.long_text or None,
            money.quantity_text(line.quantity), line.unit, "yes" if line.quantity_tbd else None,
            money.money_text(price.unit_price) if price and price.unit_price is not None
            else None,
            money.money_text(price.total) if price and price.total is not None else None,
            "yes" if counts_in_total(line) else "no"])
    for letter, width in zip("ABCDEFGHIJ", (12, 22, 40, 50, 12, 8, 12, 12, 14, 14), strict=True):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rows(data: bytes, parameter: str) -> list[tuple[int, dict[str, Any]]]:
    if not data.startswith(b"PK\x03\x04"):
        raise ImportRefused([RowError(0, "", parameter, "", "is not an xlsx workbook",
                                      "the .xlsx file the export gives, filled in")])
    rows = [(n, values) for n, values in _rows_of_xlsx(data)
            if not all(_blank(v) for v in values)]
    if not rows:
        raise ImportRefused([RowError(1, "", "header", "", "the spreadsheet is empty",
                                      "a header row: " + ", ".join(HEADER))])
    number, header = rows[0]
    names = [str(v or "").strip().lower() for v in header]
    if names[:len(HEADER)] != [h.lower() for h in HEADER]:
        raise ImportRefused([RowError(number, "", "header", "", "the header row is not the "
                                      "export's", "the first row: " + ", ".join(HEADER))])
    return [(n, {name: (values[i] if i < len(values) and not _blank(values[i]) else None)
                 for i, name in enumerate(HEADER)}) for n, values in rows[1:]]


def _text(value: Any) -> str | None:
    return None if value is None else str(value).strip()


def _decimal(value: Any, row: int, name: str, errors: list[RowError], decimals: int,
             expected: str) -> Decimal | None:
    if value is None:
        return None
    found = _quantity(value)
    if not isinstance(found, Decimal) or not found.is_finite() or found < 0:
        message = ("uses a comma; write the decimals after a dot (12.5, not 12,5)"
                   if isinstance(value, str) and "," in value else "is not a number")
        errors.append(RowError(row, _COLUMN[name], name, str(value)[:80], message, expected))
        return None
    if found >= 10**12:  # far beyond GAEB's limits, and too large to round
        errors.append(RowError(row, _COLUMN[name], name, str(value)[:80], "is too large",
                               expected))
        return None
    if found != found.quantize(Decimal(1).scaleb(-decimals)):
        errors.append(RowError(row, _COLUMN[name], name, str(value)[:80],
                               f"has more than {decimals} decimals", expected))
        return None
    return found


QUANTITY = "a number from 0 to 99999999.999 with up to 3 decimals, e.g. 120.5"
PRICE = "an amount in EUR of at most 99999999.99 with up to 2 decimals, e.g. 45.50"


def read_bill(data: bytes, parameter: str) -> DraftBill:
    """A draft bill from the spreadsheet, or ImportRefused listing every wrong cell."""
    errors: list[RowError] = []
    sections: dict[str, DraftSection] = {}
    top: list[DraftSection] = []
    rows_of_oz: dict[str, int] = {}
    for row, cells in _rows(data, parameter):
        oz, kind = _text(cells["OZ"]), (_text(cells["Type"]) or "").lower()
        if not oz:
            errors.append(RowError(row, "A", "OZ", "", "is empty",
                                   "the ordinal number, e.g. 01.0010 (or 01 for a title)"))
            continue
        if kind not in SECTION_KINDS and kind not in {t.value for t in ItemType}:
            errors.append(RowError(row, "B", "Type", kind, "is not a type", f"one of {TYPES}"))
            continue
        parent_path, _, own = oz.rpartition(".")
        parent = sections.get(parent_path) if parent_path else None
        if parent_path and parent is None:
            errors.append(RowError(row, "A", "OZ", oz, f"stands under {parent_path}, which no "
                                   "row above is", "a lot or title row above it"))
            continue
        if kind in SECTION_KINDS:
            section = DraftSection(kind, own, _text(cells["Short text"]) or "")
            sections[oz] = section
            (parent.sections if parent else top).append(section)
            continue
        if parent is None:
            errors.append(RowError(row, "A", "OZ", oz, "an item must stand under a title",
                                   "a title row above it, e.g. 01 for 01.0010"))
            continue
        quantity = _decimal(cells["Quantity"], row, "Quantity", errors, 3, QUANTITY)
        unit_price = _decimal(cells["Unit price"], row, "Unit price", errors, 2, PRICE)
        tbd = (_text(cells["Quantity TBD"]) or "").lower() in ("yes", "true", "1", "x")
        if quantity is None and not tbd and cells["Quantity"] is None:
            errors.append(RowError(row, "E", "Quantity", "", "is empty", QUANTITY))
        for name in ("Short text", "Unit"):
            if not _text(cells[name]):
                errors.append(RowError(row, _COLUMN[name], name, "", "is empty",
                                       "text of 1 to 2,000 characters" if name == "Short text"
                                       else "text of 1 to 32 characters, e.g. m2"))
        rows_of_oz.setdefault(oz, row)
        parent.items.append(DraftItem(
            oz=oz, short_text=_text(cells["Short text"]) or "", item_type=ItemType(kind),
            quantity=quantity or Decimal(0), unit=_text(cells["Unit"]) or "",
            long_text=_text(cells["Long text"]), quantity_tbd=tbd, unit_price=unit_price))
    draft = DraftBill(name=None, numbering=_numbering(list(rows_of_oz)),
                      up_component_labels=[], sections=top, source="xlsx")
    for problem in check_draft(draft) if not errors else []:
        errors.append(RowError(rows_of_oz.get(problem["oz"], 0), "", "row", problem["oz"],
                               problem["message"], "a line GAEB can carry"))
    if errors:
        raise ImportRefused(errors)
    if not draft.items():
        raise ImportRefused([RowError(2, "", "rows", "", "there are no items under the header",
                                      "one item per row under a title row")])
    return draft


def _numbering(ozs: list[str]) -> list[dict[str, Any]]:
    """The mask of the longest OZ: each title level, then the item."""
    parts = max((oz.split(".") for oz in ozs), key=len, default=["01", "0010"])
    return [*({"type": "BoQLevel", "length": len(p)} for p in parts[:-1]),
            {"type": "Item", "length": len(parts[-1])}]


def import_bill(session: Session, ctx: RequestContext, wp: Workpackage, data: bytes, *,
                parameter: str) -> ImportSummary:
    return replace_bill(session, ctx, wp, read_bill(data, parameter), parameter=parameter)


def upload_prices(session: Session, ctx: RequestContext, company_id: int, rfp_id: int,
                  data: bytes, *, parameter: str) -> UploadResult:
    """Price the RFP from the filled-in export: all lines or none. Each wrong cell is reported
    by row; a unit price wins over a total; an empty price leaves the line unpriced."""
    rfp = load(session, RFP_OF_SUBCONTRACTOR, rfp_id, for_company=company_id, for_update=True)
    sheet = load_sheet(session, rfp)
    live = [line for line, _ in sheet.lines if line.deleted_at is None]
    ozs = item_ozs(live)
    lines = {ozs[line.id]: line for line in live}
    errors: list[RowError] = []
    changes: list[PriceChange] = []
    seen: set[str] = set()
    for row, cells in _rows(data, parameter):
        oz, kind = _text(cells["OZ"]) or "", (_text(cells["Type"]) or "").lower()
        if kind in SECTION_KINDS:
            continue
        line = lines.get(oz)
        if line is None or oz in seen:
            errors.append(RowError(row, "A", "OZ", oz, "is not an item of the RFP's bill"
                                   if line is None else "appears twice",
                                   "the OZs of the exported bill, each once"))
            continue
        seen.add(oz)
        quantity = _decimal(cells["Quantity"], row, "Quantity", errors, 3, QUANTITY)
        if quantity is not None and quantity != line.quantity and not line.quantity_tbd:
            errors.append(RowError(row, "E", "Quantity", str(cells["Quantity"]),
                                   f"differs from the bill's {money.quantity_text(line.quantity)}",
                                   "the quantity as exported; it may not be changed"))
        unit = _text(cells["Unit"])
        if unit is not None and unit != line.unit:
            errors.append(RowError(row, "F", "Unit", unit, f"differs from the bill's {line.unit}",
                                   "the unit as exported"))
        unit_price = _decimal(cells["Unit price"], row, "Unit price", errors, 2, PRICE)
        total = _decimal(cells["Total"], row, "Total", errors, 2, PRICE)
        found = limit_problem(line.quantity, unit_price, total if unit_price is None else None)
        if found:
            errors.append(RowError(row, "H" if unit_price is not None else "I", "Unit price",
                                   str(unit_price or total), found, PRICE))
        fields = ({"unit_price": unit_price, "total_price": None} if unit_price is not None
                  else {"unit_price": None, "total_price": total})
        changes.append(PriceChange(index=len(changes), budget_line_id=line.id, fields=fields))
    missing = [oz for oz in lines if oz not in seen]
    if missing:
        errors.append(RowError(0, "A", "OZ", ", ".join(missing[:10]), "these OZs of the "
                               "RFP's bill have no row", "every item row of the export"))
    if errors:
        raise ImportRefused(errors)
    priced_sheet = price_budget_lines(session, ctx, company_id, rfp.id, changes)
    priced = sum(1 for c in changes if c.fields["unit_price"] is not None
                 or c.fields["total_price"] is not None)
    record_event(session, ctx, "budget_lines.xlsx_uploaded", company_id=company_id,
                 target_type="rfp", target_id=rfp.id, target_label=rfp.workpackage.name,
                 data={"items": len(changes), "priced": priced})
    return UploadResult(priced_sheet, priced, len(changes) - priced)


def rfp_xlsx(session: Session, company_id: int, rfp_id: int) -> tuple[Any, bytes]:
    """The RFP's bill with the subcontractor's draft prices, ready to fill in and upload."""
    from bidbridge.services.gaeb_exchange import bill_rows
    from bidbridge.services.pricing import amounts

    rfp = load(session, RFP_OF_SUBCONTRACTOR, rfp_id, for_company=company_id)
    sheet = load_sheet(session, rfp)
    live = [line for line, _ in sheet.lines if line.deleted_at is None]
    prices: dict[int, LinePrice] = {}
    for line, entry in sheet.lines:
        found = amounts(entry, line.quantity)
        if found.priced:
            shown = found.unit_price if found.priced_by == "unitPrice" else None
            prices[line.id] = LinePrice(shown, found.total_price)
    return rfp, export_xlsx(bill_rows(session, rfp.workpackage, live), prices)
