"""The captured examples (examples.json) and the files example uploads send: a small PDF, and
for the GAEB functions an X83 (every item type) and an X84 that prices the demo's first bill."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

EXAMPLES_FILE = Path(__file__).with_name("examples.json")


@cache
def load_examples() -> dict[str, Any]:
    if not EXAMPLES_FILE.exists():
        return {}
    return dict(json.loads(EXAMPLES_FILE.read_text()))


def example_of(api: str, name: str) -> dict[str, Any] | None:
    found = load_examples().get(api, {}).get(name)
    return dict(found) if found else None


def example_pdf() -> bytes:
    """A valid one-page PDF, small enough to upload in every example."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


EXAMPLE_X83 = Path(__file__).with_name("example.X83")
# The bid of the example run: it prices the bill of the demo RFP the plan picks (the first
# workpackage of the first demo project, its lines numbered 01.0010, 01.0020, ...).
EXAMPLE_UNIT_PRICE = "12.50"


def example_x84() -> bytes:
    from pygaeb.builder import BoQBuilder
    from pygaeb.writer import GAEBWriter

    from bidbridge.demo_tendering import PLANS

    builder = BoQBuilder(phase="X84", version="3.3")
    builder.project(name="Example bid", currency="EUR")
    title = builder.add_category("01", "Budget lines")
    for n, (_code, text, quantity, unit) in enumerate(PLANS[0].workpackages[0].lines, start=1):
        title.add_item(f"{n * 10:04d}", text, qty=Decimal(quantity), unit=unit,
                       unit_price=Decimal(EXAMPLE_UNIT_PRICE))
    data, _ = GAEBWriter.to_bytes(builder.build(), prog_system="bidbridge example")
    return data


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _workbook(rows: list[list[Any]]) -> bytes:
    import io

    from openpyxl import Workbook

    from bidbridge.services.bill_xlsx import HEADER

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [list(HEADER), *rows]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def example_bill_xlsx() -> bytes:
    """A small bill as the contractor fills in getBillXlsx's columns."""
    return _workbook([
        ["01", "title", "Mauerarbeiten"],
        ["01.0010", "normal", "Mauerwerk KS", "Kalksandstein 17,5 cm", "12.5", "m2"],
        ["01.0020", "lump_sum", "Baustelle einrichten", None, "1", "psch"],
        ["01.0030", "alternative", "Mauerwerk Ziegel", None, "12.5", "m2"]])


def example_bid_xlsx() -> bytes:
    """getRfpXlsx of the demo RFP the plan picks, with a unit price on every line."""
    from bidbridge.demo_tendering import PLANS

    rows: list[list[Any]] = [["01", "title", "Budget lines"]]
    for n, (_code, text, quantity, unit) in enumerate(PLANS[0].workpackages[0].lines, start=1):
        rows.append([f"01.{n * 10:04d}", "normal", text, None, quantity, unit, None,
                     EXAMPLE_UNIT_PRICE])
    return _workbook(rows)


# File name (as the plan names it) -> (bytes, media type).
def example_file(name: str) -> tuple[bytes, str]:
    if name == "bill.xlsx":
        return example_bill_xlsx(), XLSX
    if name == "bid.xlsx":
        return example_bid_xlsx(), XLSX
    if name.endswith(".X83"):
        return EXAMPLE_X83.read_bytes(), "application/xml"
    if name.endswith(".X84"):
        return example_x84(), "application/xml"
    return example_pdf(), "application/pdf"
