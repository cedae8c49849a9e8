"""The bill of quantities through GAEB DA XML, on both databases: the hand-written X83 with every
item type, the round trip through our writer, an X84 from an independent writer, the totals rule,
and bad files refused with nothing changed."""

from __future__ import annotations

from decimal import Decimal
from typing import get_args

import pytest
from pygaeb import GAEBParser
from pygaeb.diff.boq_diff import BoQDiff
from pygaeb.models.enums import ExchangePhase
from sqlalchemy import select

from bidbridge.errors import AppError
from bidbridge.models import Bill as BillRow
from bidbridge.models import BillSection, PriceEntry, Workpackage
from bidbridge.services import gaeb_exchange, proposals
from bidbridge.services.bill_export import Phase
from bidbridge.services.pricing import load_sheet
from tests.gaeb.support import (
    HAND_WRITTEN,
    ITEMS,
    MAX,
    bidder_ctx,
    contractor_ctx,
    imported_bill,
    independent_x84,
    lines_of,
)
from tests.tendering_factory import tender


def test_the_phases_we_write_are_pygaebs() -> None:
    # Spelled out in services.bill_export, so that the API's modules need no pygaeb to load.
    assert get_args(Phase) and set(get_args(Phase)) <= {p.value for p in ExchangePhase}


def test_import_reads_every_item_type_titles_and_texts(factory):
    bidder = factory.company()
    t = tender(factory, [bidder], lines=2, document_count=0)
    with factory.runtime.sessions() as s, s.begin():
        wp = s.get(Workpackage, t.workpackage.id)
        summary = gaeb_exchange.import_bill(s, contractor_ctx(factory, t), wp, HAND_WRITTEN,
                                            parameter="file", max_bytes=MAX)
    assert (summary.lots, summary.titles, summary.items, summary.replaced_lines) == (0, 1, 6, 2)
    assert summary.items_by_type == {"alternative": 1, "base": 1, "lump_sum": 1, "normal": 1,
                                     "provisional": 1, "provisional_with_total": 1}
    assert summary.priced_total is None
    with factory.runtime.sessions() as s:
        lines = lines_of(s, t.workpackage.id)
        assert {line.oz: (line.item_type, line.quantity, line.unit) for line in lines} == ITEMS
        first = lines[0]
        assert (first.description, first.long_text) == ("Mauerwerk KS", "Kalksandstein 17,5 cm")
        sections = list(s.scalars(select(BillSection).where(
            BillSection.workpackage_id == t.workpackage.id, BillSection.deleted_at.is_(None))))
        assert [(x.kind, x.rno, x.label) for x in sections] == [("title", "01", "Mauerarbeiten")]
        assert all(line.section_id == sections[0].id for line in lines)
        assert lines[4].alternative_group == "01"
        bill = s.scalar(select(BillRow).where(BillRow.workpackage_id == t.workpackage.id))
        assert (bill.name, bill.source) == ("LV Rohbau", "x83")
    assert [e.event for e in factory.events(t.contractor.company.id, "bill.imported")]


def test_x83_round_trip_reads_back_equal(factory):
    bill = imported_bill(factory)
    with factory.runtime.sessions() as s:
        out = gaeb_exchange.export_x83(s, s.get(Workpackage, bill.workpackage.id))
    original = GAEBParser.parse_bytes(HAND_WRITTEN, filename="a.X83")
    again = GAEBParser.parse_bytes(out, filename="b.X83", keep_xml=True)
    diff = BoQDiff.compare(original, again)
    assert diff.items.added == [] and diff.items.removed == []
    assert [m.oz for m in diff.items.modified if m.changes] == []
    # pygaeb alone would read the alternative and base items as normal: ours reads them back.
    from bidbridge.services.gaeb_read import item_type_of
    assert {i.full_oz: (item_type_of(i).value, i.qty, i.unit, i.short_text)
            for i in again.award.boq.iter_items()} == {
        oz: (kind, qty, unit, text) for (oz, (kind, qty, unit)), text in zip(
            ITEMS.items(), ["Mauerwerk KS", "Baustelle einrichten", "Bedarf mit GB",
                            "Bedarf ohne GB", "Grundposition", "Wahlposition"], strict=True)}
    assert b"<ALNSerNo>1</ALNSerNo>" in out and b"AlternativeItem" not in out


PRICES = {"01.0010": "3.21", "01.0020": "1500.00", "01.0030": "10.00", "01.0040": "20.00",
          "01.0050": "7.00", "01.0060": "9.00"}


def _upload(factory, bill, data):
    with factory.runtime.sessions() as s, s.begin():
        return gaeb_exchange.upload_x84(s, bidder_ctx(factory, bill.bidder),
                                        bill.bidder.company.id, bill.rfp.id, data,
                                        parameter="file", max_bytes=MAX)


def test_an_independent_x84_prices_land_exactly_and_only_counting_types_are_summed(factory):
    bill = imported_bill(factory)
    result = _upload(factory, bill, independent_x84(PRICES))
    assert (result.priced, result.unpriced) == (6, 0)
    by_oz = {line.oz: entry for line, entry in result.sheet.lines if line.deleted_at is None}
    assert {oz: str(e.unit_price) for oz, e in by_oz.items()} == PRICES
    # 12.5 x 3.21 = 40.125 -> 40.13 (half up); lump sum 1500; provisional with total 30;
    # base 35. Not summed: provisional without total (80) and the alternative (45).
    assert result.sheet.included_total == Decimal("1605.13")


@pytest.mark.parametrize(("kind", "counts"), [
    ("normal", True), ("lump_sum", True), ("provisional_with_total", True),
    ("provisional", False), ("base", True), ("alternative", False), ("markup", True)])
def test_each_item_type_counts_or_not(kind, counts):
    from bidbridge.services.bill import ItemType, bill_total
    assert ItemType(kind).counts_in_total is counts
    assert bill_total([(ItemType(kind), Decimal("10.00"))]) == (Decimal("10.00") if counts
                                                                else Decimal("0.00"))


def test_x84_out_reads_back_with_the_proposals_total_to_the_cent(factory):
    bill = imported_bill(factory)
    # One line priced by its total: its unit price is rounded for the file, the total is kept.
    prices = dict(PRICES)
    _upload(factory, bill, independent_x84(prices))
    from bidbridge.services.pricing import PriceChange, price_budget_lines
    with factory.runtime.sessions() as s, s.begin():
        line = next(x for x in lines_of(s, bill.workpackage.id) if x.oz == "01.0010")
        price_budget_lines(s, bidder_ctx(factory, bill.bidder), bill.bidder.company.id,
                           bill.rfp.id, [PriceChange(0, line.id, None,
                                                     {"total_price": Decimal("40.00")})])
    with factory.runtime.sessions() as s, s.begin():
        submitted = proposals.submit_proposal(
            s, bidder_ctx(factory, bill.bidder), factory.runtime.storage,
            bill.bidder.company.id, bill.rfp.id,
            proposals.Submission(message=None, total_amount=None, attachments=[]),
            max_bytes=MAX)
        total = submitted.proposal.total_amount
        out = gaeb_exchange.proposal_document(s, submitted.proposal, "X84")
    assert total == Decimal("1605.00")
    doc = GAEBParser.parse_bytes(out, filename="x.X84", keep_xml=True)
    from bidbridge.services.gaeb_read import item_type_of
    read_total = sum((i.total_price for i in doc.award.boq.iter_items()
                      if i.total_price is not None
                      and ITEMS[i.full_oz][0] not in ("provisional", "alternative")), Decimal(0))
    assert read_total == total
    assert item_type_of  # the X84 carries no type markers: the bill's types decide
    # Our own X84 goes back in unchanged: the total-priced line stays priced by its total.
    again = _upload(factory, bill, out)
    assert again.sheet.included_total == total


def _nothing_changed(factory, bill):
    with factory.runtime.sessions() as s:
        return list(s.scalars(select(PriceEntry).where(PriceEntry.rfp_id == bill.rfp.id)))


BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
                  b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
                  b'<GAEB xmlns="http://www.gaeb.de/GAEB_DA_XML/DA84/3.3">&lol3;</GAEB>')
XXE = (b'<?xml version="1.0"?><!DOCTYPE GAEB [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       b'<GAEB xmlns="http://www.gaeb.de/GAEB_DA_XML/DA84/3.3"><Award><DP>84</DP>&x;</Award>'
       b'</GAEB>')


@pytest.mark.parametrize(("data", "code"), [
    (b"<GAEB><Award>", "xml_malformed"),
    (BILLION_LAUGHS, "xml_forbidden"),
    (XXE, "xml_forbidden"),
    (HAND_WRITTEN, "gaeb_wrong_phase"),  # an X83 where the bid is expected
    (b"<html/>", "gaeb_invalid"),
])
def test_bad_files_are_refused_and_nothing_is_priced(factory, data, code):
    bill = imported_bill(factory)
    with pytest.raises(AppError) as refused:
        _upload(factory, bill, data)
    assert refused.value.code == code
    assert refused.value.data["parameter"] == "file"
    assert _nothing_changed(factory, bill) == []


def test_a_60_mb_file_is_refused_before_it_is_parsed(factory):
    bill = imported_bill(factory)
    with pytest.raises(AppError) as refused:
        _upload(factory, bill, b" " * (60 * 1024 * 1024))
    assert (refused.value.code, refused.value.status) == ("file_too_large", 413)


def test_an_x84_where_an_x83_is_expected_is_refused_and_the_bill_is_kept(factory):
    bill = imported_bill(factory)
    with factory.runtime.sessions() as s, s.begin():
        wp = s.get(Workpackage, bill.workpackage.id)
        with pytest.raises(AppError) as refused:
            gaeb_exchange.import_bill(s, contractor_ctx(factory, bill.tender), wp,
                                      independent_x84(PRICES), parameter="file", max_bytes=MAX)
    assert refused.value.code == "gaeb_wrong_phase"
    with factory.runtime.sessions() as s:
        assert [line.oz for line in lines_of(s, bill.workpackage.id)] == list(ITEMS)


def test_every_difference_is_listed_and_nothing_is_priced(factory):
    bill = imported_bill(factory)
    items = dict(ITEMS)
    items["01.0010"] = ("normal", Decimal("13.000"), "m2")  # a quantity changed
    items["01.0099"] = ("normal", Decimal("1"), "St")  # an OZ that does not exist
    del items["01.0020"]  # an OZ left out
    prices = {**PRICES, "01.0099": "1.00", "01.0030": "100000000.00"}  # beyond 10 digits
    with pytest.raises(AppError) as refused:
        _upload(factory, bill, independent_x84(prices, items=items))
    assert refused.value.code == "gaeb_mismatch"
    problems = {(p["oz"], p["message"].split(" ")[1]) for p in refused.value.data["problems"]}
    assert problems == {("01.0010", "quantity"), ("01.0099", "OZ"), ("01.0020", "OZ"),
                        ("01.0030", "unit")}
    assert _nothing_changed(factory, bill) == []


def test_a_total_that_is_not_quantity_times_unit_price_is_refused(factory):
    bill = imported_bill(factory)
    with pytest.raises(AppError) as refused:
        _upload(factory, bill, independent_x84(PRICES, totals={"01.0010": "0.00"}))
    assert [p["oz"] for p in refused.value.data["problems"]] == ["01.0010"]
    assert _nothing_changed(factory, bill) == []


def test_unpriced_is_not_zero(factory):
    bill = imported_bill(factory)
    prices = {**PRICES, "01.0010": "0.00"}
    del prices["01.0020"]
    result = _upload(factory, bill, independent_x84(prices))
    by_oz = {line.oz: entry for line, entry in result.sheet.lines}
    assert by_oz["01.0010"].unit_price == Decimal("0.00")
    assert by_oz["01.0020"].unit_price is None and by_oz["01.0020"].total_price is None
    with factory.runtime.sessions() as s:
        from bidbridge.models import Rfp
        sheet = load_sheet(s, s.get(Rfp, bill.rfp.id))
    assert sheet.priced_count == 5


def test_pygaeb_alone_repairs_a_broken_file_and_takes_a_dtd_so_uploads_are_screened_first():
    """What the library does with hostile input, measured: it recovers malformed XML and accepts
    a DTD (leaving entities unexpanded). Our screen refuses both before pygaeb runs."""
    from bidbridge.services.gaeb_read import read_document
    broken = HAND_WRITTEN.replace(b"</Award>", b"")
    recovered = GAEBParser.parse_bytes(broken, filename="x.X83")
    assert recovered.item_count == 6
    assert any("Recovered from malformed XML" in r.message
               for r in recovered.validation_results)
    with_dtd = (b'<?xml version="1.0"?><!DOCTYPE GAEB [<!ENTITY a "aaaa">]>'
                b'<GAEB xmlns="http://www.gaeb.de/GAEB_DA_XML/DA83/3.3"><GAEBInfo>'
                b'<ProgSystem>&a;</ProgSystem></GAEBInfo></GAEB>')
    assert GAEBParser.parse_bytes(with_dtd, filename="x.X83").gaeb_info.prog_system == "&a;"
    for data, code in ((broken, "xml_malformed"), (with_dtd, "xml_forbidden")):
        with pytest.raises(AppError) as refused:
            read_document(data, "file", expected=("83",), max_bytes=MAX)
        assert refused.value.code == code


# pygaeb 1.20's own numeric check raises on NaN and infinities and spins for minutes on
# 1e999999: the screen refuses such numbers before pygaeb runs; a plain number GAEB cannot
# mean (negative) is refused per OZ.
@pytest.mark.parametrize(("value", "bid_code", "bill_code"), [
    ("NaN", "gaeb_invalid", "gaeb_invalid"), ("Infinity", "gaeb_invalid", "gaeb_invalid"),
    ("1e999999", "gaeb_invalid", "gaeb_invalid"), ("-0.5", "gaeb_mismatch", "bill_inconsistent")])
def test_numbers_gaeb_cannot_mean_are_refused_not_a_server_error(factory, value, bid_code,
                                                                  bill_code):
    bill = imported_bill(factory)
    data = independent_x84(PRICES).replace(b"<UP>3.21</UP>", f"<UP>{value}</UP>".encode(), 1)
    with pytest.raises(AppError) as refused:
        _upload(factory, bill, data)
    assert (refused.value.code, refused.value.status) == (bid_code, 422)
    if bid_code == "gaeb_mismatch":
        assert [p["oz"] for p in refused.value.data["problems"]] == ["01.0010"]
    assert _nothing_changed(factory, bill) == []
    x83 = HAND_WRITTEN.replace(b"<Qty>12.500</Qty>", f"<Qty>{value}</Qty>".encode())
    with factory.runtime.sessions() as s, s.begin(), pytest.raises(AppError) as refused:
        gaeb_exchange.import_bill(s, contractor_ctx(factory, bill.tender),
                                  s.get(Workpackage, bill.workpackage.id), x83,
                                  parameter="file", max_bytes=MAX)
    assert (refused.value.code, refused.value.status) == (bill_code, 422)
    if bill_code == "bill_inconsistent":
        assert [p["oz"] for p in refused.value.data["problems"]] == ["01.0010"]
    with factory.runtime.sessions() as s:
        assert [x.oz for x in lines_of(s, bill.workpackage.id)] == list(ITEMS)
