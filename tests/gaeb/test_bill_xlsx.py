"""The bill as a spreadsheet, on both databases: export keeps OZs, types and long texts; the
contractor's import and the subcontractor's priced upload refuse a wrong cell by row and column
and change nothing."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bidbridge.api.docs.examples import _workbook
from bidbridge.models import PriceEntry, Workpackage
from bidbridge.services import bill_xlsx, gaeb_exchange
from bidbridge.services.budget_import import ImportRefused
from tests.gaeb.support import ITEMS, bidder_ctx, contractor_ctx, imported_bill, lines_of
from tests.gaeb.test_gaeb_services import PRICES


def _cells(data: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_the_export_keeps_titles_ozs_types_and_long_texts(factory):
    bill = imported_bill(factory)
    with factory.runtime.sessions() as s:
        wp = s.get(Workpackage, bill.workpackage.id)
        rows = _cells(bill_xlsx.export_xlsx(gaeb_exchange.bill_rows(s, wp)))
    assert rows[0] == bill_xlsx.HEADER
    assert rows[1][:3] == ("01", "title", "Mauerarbeiten")
    assert [(r[0], r[1], r[4], r[5]) for r in rows[2:]] == [
        (oz, kind, f"{qty:.3f}", unit) for oz, (kind, qty, unit) in ITEMS.items()]
    assert rows[2][3] == "Kalksandstein 17,5 cm"
    assert [r[9] for r in rows[2:]] == ["yes", "yes", "yes", "no", "yes", "no"]


def test_an_exported_bill_imports_back_equal(factory):
    bill = imported_bill(factory)
    with factory.runtime.sessions() as s, s.begin():
        wp = s.get(Workpackage, bill.workpackage.id)
        data = bill_xlsx.export_xlsx(gaeb_exchange.bill_rows(s, wp))
        summary = bill_xlsx.import_bill(s, contractor_ctx(factory, bill.tender), wp, data,
                                        parameter="file")
    assert (summary.titles, summary.items, summary.replaced_lines) == (1, 6, 6)
    with factory.runtime.sessions() as s:
        lines = lines_of(s, bill.workpackage.id)
        assert {x.oz: (x.item_type, x.quantity, x.unit) for x in lines} == ITEMS
        assert lines[0].long_text == "Kalksandstein 17,5 cm"


def test_a_wrong_cell_is_reported_by_row_and_column_and_nothing_is_imported(factory):
    bill = imported_bill(factory)
    data = _workbook([["01", "title", "Rohbau"],
                      ["01.0010", "normal", "Wand", None, "12,5", "m2"],
                      ["01.0020", "sometimes", "Decke", None, "1", "m2"],
                      ["02.0010", "normal", "Dach", None, "1", "m2"],
                      ["01.0030", "normal", "", None, "1", "m2"]])
    with factory.runtime.sessions() as s, s.begin():
        wp = s.get(Workpackage, bill.workpackage.id)
        with pytest.raises(ImportRefused) as refused:
            bill_xlsx.import_bill(s, contractor_ctx(factory, bill.tender), wp, data,
                                  parameter="file")
    assert [(e.row, e.column, e.field) for e in refused.value.errors] == [
        (3, "E", "Quantity"), (4, "B", "Type"), (5, "A", "OZ"), (6, "C", "Short text")]
    assert "uses a comma" in str(refused.value.errors[0])
    with factory.runtime.sessions() as s:
        assert [x.oz for x in lines_of(s, bill.workpackage.id)] == list(ITEMS)


def _priced_export(factory, bill, prices):
    with factory.runtime.sessions() as s:
        _, data = bill_xlsx.rfp_xlsx(s, bill.bidder.company.id, bill.rfp.id)
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value in prices:
            row[7].value = prices[row[0].value]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_filled_in_export_prices_the_rfp_and_only_counting_types_are_summed(factory):
    bill = imported_bill(factory)
    numbers = {oz: float(v) for oz, v in PRICES.items()}  # as Excel stores typed numbers
    with factory.runtime.sessions() as s, s.begin():
        result = bill_xlsx.upload_prices(s, bidder_ctx(factory, bill.bidder),
                                         bill.bidder.company.id, bill.rfp.id,
                                         _priced_export(factory, bill, numbers),
                                         parameter="file")
    assert (result.priced, result.unpriced) == (6, 0)
    assert result.sheet.included_total == Decimal("1605.13")
    # Priced or unpriced, the export shows the bidder's drafts back.
    with factory.runtime.sessions() as s:
        _, again = bill_xlsx.rfp_xlsx(s, bill.bidder.company.id, bill.rfp.id)
    assert {r[0]: r[7] for r in _cells(again)[2:]} == PRICES


def test_a_changed_quantity_or_a_bad_price_refuses_the_upload(factory):
    bill = imported_bill(factory)
    data = _priced_export(factory, bill, {"01.0010": "abc", "01.0020": "100000000.00"})
    book = load_workbook(io.BytesIO(data))
    book.worksheets[0]["E5"] = "99"  # 01.0030's quantity (row 1 is the header, row 2 the title)
    out = io.BytesIO()
    book.save(out)
    with factory.runtime.sessions() as s, s.begin(), pytest.raises(ImportRefused) as refused:
        bill_xlsx.upload_prices(s, bidder_ctx(factory, bill.bidder), bill.bidder.company.id,
                                bill.rfp.id, out.getvalue(), parameter="file")
    assert [(e.row, e.column) for e in refused.value.errors] == [(3, "H"), (4, "H"), (5, "E")]
    with factory.runtime.sessions() as s:
        assert list(s.scalars(select(PriceEntry).where(PriceEntry.rfp_id == bill.rfp.id))) == []


def test_a_markup_item_survives_the_x83_round_trip(factory):
    bill = imported_bill(factory)
    data = _workbook([["01", "title", "Rohbau"],
                      ["01.0010", "normal", "Wand", None, "10", "m2"],
                      ["01.0020", "markup", "Zuschlag Baustelle", None, "1", "psch"]])
    with factory.runtime.sessions() as s, s.begin():
        wp = s.get(Workpackage, bill.workpackage.id)
        bill_xlsx.import_bill(s, contractor_ctx(factory, bill.tender), wp, data,
                              parameter="file")
        out = gaeb_exchange.export_x83(s, wp)
    from bidbridge.services.gaeb_read import draft_bill, read_document
    draft, problems = draft_bill(read_document(out, "file", expected=("83",), max_bytes=10**7),
                                 "x83")
    assert problems == []
    assert [(i.oz, i.item_type.value, i.quantity) for i in draft.items()] == [
        ("01.0010", "normal", Decimal("10")), ("01.0020", "markup", Decimal("1"))]
