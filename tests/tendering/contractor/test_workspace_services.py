"""The services behind the contractor's pages, on both databases: budget line edits, the
spreadsheet import, the subcontractor search, the status board and the comparison export."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from bidbridge.errors import NotFound
from bidbridge.models import BudgetLine, Company, ContactType, Rfp, RfpResponse, Workpackage
from bidbridge.services import (
    budget_import,
    budget_setup,
    comparison,
    comparison_grid,
    comparison_xlsx,
    projects,
    rfp_board,
    subcontractor_search,
)
from bidbridge.services.budget_import import ImportRefused
from bidbridge.services.context import Actor, RequestContext
from tests.factories import auth, get_token, unique
from tests.tendering.contractor.helpers import contractor, submit


def _ctx(factory, gc) -> RequestContext:
    admin = gc.setup.admin
    return RequestContext(Actor("contact", admin.id, admin.name, gc.company_id),
                          clock=factory.runtime.clock)


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _lines(factory, wp_id):
    with factory.runtime.sessions() as s:
        return [(x.code, x.description, x.quantity, x.unit)
                for x in budget_setup.live_lines(s, wp_id)]


def test_edit_reorder_delete_lines_move_the_rfps_and_are_audited(factory, client, clock):
    gc = contractor(factory, client)
    wp = gc.workpackage(gc.project()["id"])
    ids = [x["id"] for x in gc.lines(wp["id"], [
        {"code": c, "description": f"Line {c}", "quantity": "1", "unit": "st"}
        for c in ("01", "02", "03")])]
    rfp = gc.invite(wp["id"], factory.company().company.id)
    clock.advance(60)
    ctx = _ctx(factory, gc)
    with factory.runtime.sessions() as s, s.begin():
        w = s.get(Workpackage, wp["id"])
        line = budget_setup.line_of(s, w, ids[1])
        new = budget_setup.check_line({"code": "02", "description": "Line two",
                                       "quantity": "2.125", "unit": "m2"})
        assert isinstance(new, budget_setup.NewLine)
        assert budget_setup.update_budget_line(s, ctx, w, line, new) == \
            ["description", "quantity", "unit"]
        assert budget_setup.move_budget_line(s, ctx, w, line, -1) is True
        assert budget_setup.move_budget_line(s, ctx, w, line, -1) is False  # already first
        budget_setup.delete_budget_line(s, ctx, w, budget_setup.line_of(s, w, ids[2]))
    assert _lines(factory, wp["id"]) == [("02", "Line two", Decimal("2.125"), "m2"),
                                         ("01", "Line 01", Decimal("1"), "st")]
    with factory.runtime.sessions() as s:
        assert s.get(Rfp, rfp["id"]).updated_at == clock.now()  # the subcontractor's sync sees it
        w = s.get(Workpackage, wp["id"])
        with pytest.raises(NotFound):
            budget_setup.line_of(s, w, ids[2])  # deleted
    events = [(e.event, e.actor_name) for e in factory.events(gc.company_id)
              if e.event.startswith("budget_line")]
    assert [e for e, _ in events] == ["budget_lines.added", "budget_line.updated",
                                      "budget_lines.reordered",
                                          "budget_line.deleted"]
    assert {name for _, name in events[1:]} == {gc.setup.admin.name}


def test_a_line_of_another_workpackage_is_not_found(factory, client):
    gc = contractor(factory, client)
    project = gc.project()
    wp1, wp2 = gc.workpackage(project["id"]), gc.workpackage(project["id"])
    line = gc.lines(wp1["id"], [{"description": "x", "quantity": "1", "unit": "st"}])[0]
    with factory.runtime.sessions() as s, pytest.raises(NotFound):
        budget_setup.line_of(s, s.get(Workpackage, wp2["id"]), line["id"])


def test_import_xlsx_appends_every_line_exactly(factory, client):
    gc = contractor(factory, client)
    wp = gc.workpackage(gc.project()["id"])
    gc.lines(wp["id"], [{"code": "00", "description": "Existing", "quantity": "1", "unit": "ps"}])
    data = _xlsx([["Code", "Omschrijving", "Hoeveelheid", "Eenheid"],
                  ["22.01", "Metselwerk gevel", 120.5, "m2"],
                  [None, None, None, None],
                  [2202, "Voegwerk", 12.345, "m1"]])
    with factory.runtime.sessions() as s, s.begin():
        rows = budget_import.import_budget_lines(s, _ctx(factory, gc),
                                                 s.get(Workpackage, wp["id"]), gc.company_id,
                                                 "bestek.xlsx", data)
        assert len(rows) == 2
    assert _lines(factory, wp["id"]) == [
        ("00", "Existing", Decimal("1"), "ps"),
        ("22.01", "Metselwerk gevel", Decimal("120.5"), "m2"),
        ("2202", "Voegwerk", Decimal("12.345"), "m1")]
    added = factory.events(gc.company_id, "budget_lines.added")[-1]
    assert added.data["source"] == "spreadsheet bestek.xlsx" and added.data["count"] == 2


def test_a_wrong_row_names_row_column_and_expectation_and_imports_nothing(factory, client):
    gc = contractor(factory, client)
    wp = gc.workpackage(gc.project()["id"])
    data = _xlsx([["code", "description", "quantity", "unit"],
                  ["01", "Good line", 3, "st"],
                  ["02", "Comma quantity", "12,5", "m2"],
                  ["03", "", -1, "m"]])
    with factory.runtime.sessions() as s, s.begin(), pytest.raises(ImportRefused) as refused:
        budget_import.import_budget_lines(s, _ctx(factory, gc), s.get(Workpackage, wp["id"]),
                                          gc.company_id, "bad.xlsx", data)
    errors = [(e.row, e.column, e.field) for e in refused.value.errors]
    assert errors == [(3, "C", "quantity"), (4, "B", "description"), (4, "C", "quantity")]
    messages = [str(e) for e in refused.value.errors]
    assert messages[0] == ("Row 3, column C (quantity): '12,5' — uses a comma; write the "
                           "decimals after a dot (12.5, not 12,5); expected a number from 0 "
                           "to 99999999.999 with up to 3 decimals, e.g. 120.5.")
    assert "is empty; expected text of 1 to 2,000 characters" in messages[1]
    assert "greater than or equal to 0" in messages[2]
    assert _lines(factory, wp["id"]) == []
    assert factory.events(gc.company_id, "budget_lines.added") == []


@pytest.mark.parametrize(("content", "expected"), [
    (b"code;omschrijving;hoeveelheid;eenheid\r\n1;Wand;2.5;m2\r\n",
     [("1", "Wand", Decimal("2.5"), "m2")]),
    ("description,quantity,unit\nGevel \u00e9\u00e9n,1,m2\n".encode(),
     [(None, "Gevel \u00e9\u00e9n", Decimal("1"), "m2")]),
])
def test_import_csv(content, expected):
    assert [(x.code, x.description, x.quantity, x.unit)
            for x in budget_import.read_lines("lines.csv", content)] == expected


@pytest.mark.parametrize(("name", "content", "says"), [
    ("lines.csv", b"code,what,quantity\n1,2,3\n", "lacks the column(s) description, unit"),
    ("lines.xlsx", b"PK\x03\x04broken", "is not a readable xlsx file"),
    ("lines.csv", b"description,quantity,unit\n", "no lines under the header"),
    ("lines.csv", b"\xff\xfe\x00bad", "is not UTF-8 text"),
    ("old.xls", b"\xd0\xcf\x11\xe0", "old binary Excel file"),
    ("huge.csv", b"description,quantity,unit\n" + b"x" * 200_000 + b",1,m\n", "cannot be read"),
    ("lines.xlsx", _xlsx([["description", "quantity", "unit"]]), "no lines under the header"),
])
def test_import_refuses_a_file_it_cannot_read(name, content, says):
    with pytest.raises(ImportRefused) as refused:
        budget_import.read_lines(name, content)
    assert says in str(refused.value.errors[0])


def test_column_letters_are_openpyxls():
    # A csv file's errors name columns without loading openpyxl; they must read the same.
    assert [budget_import.column_letter(n) for n in range(1, 18_279)] == \
        [get_column_letter(n) for n in range(1, 18_279)]  # A … ZZZ, all openpyxl names


def test_search_by_name_trade_and_city_hides_hidden_contacts(factory, client):
    gc = contractor(factory, client)
    wp = gc.workpackage(gc.project()["id"])
    tag = unique("Zoek")
    roofer = factory.company(name=f"{tag} Dakwerken", api=False)
    mason = factory.company(name=f"{tag} Metselaars", api=False)
    factory.contact(mason.company, contact_type=ContactType.HIDDEN)
    with factory.runtime.sessions() as s, s.begin():
        s.get(Company, roofer.company.id).trades = "Dakwerk,Gevelbekleding"
        s.get(Company, mason.company.id).trades = "Metselwerk"
        s.get(Company, mason.company.id).city = "Amersfoort"
    gc.invite(wp["id"], mason.company.id)

    def find(**criteria):
        with factory.runtime.sessions() as s:
            return [(c.company.name, c.trades, c.visible_contacts, c.invited_rfp_id is not None)
                    for c in subcontractor_search.find_subcontractors(
                        s, workpackage_id=wp["id"], **criteria)]

    assert find(name=tag.lower()) == [(f"{tag} Dakwerken", ["Dakwerk", "Gevelbekleding"], 1, False),
                                      (f"{tag} Metselaars", ["Metselwerk"], 1, True)]
    assert find(name=tag, trade="Dakwerk") == [(f"{tag} Dakwerken", ["Dakwerk", "Gevelbekleding"],
                                                1, False)]
    assert find(name=tag, trade="Gevel") == []  # whole trades only
    assert find(name=tag, city="amersf") == [(f"{tag} Metselaars", ["Metselwerk"], 1, True)]
    assert find(name="%") == []  # a wildcard is a character, not a pattern
    assert find(name=gc.setup.company.name) == []  # contractors are never candidates


def test_status_board_follows_the_rfp_from_invited_to_submitted(factory, client, clock):
    gc = contractor(factory, client)
    wp = gc.workpackage(gc.project()["id"])
    line = gc.lines(wp["id"], [{"description": "x", "quantity": "2", "unit": "st"}])[0]
    sub = factory.company()
    decliner = factory.company()
    rfp = gc.invite(wp["id"], sub.company.id)
    other = gc.invite(wp["id"], decliner.company.id)

    def stages():
        with factory.runtime.sessions() as s:
            return {row.rfp.id: (row.stage, row.proposal.version if row.proposal else None)
                    for row in rfp_board.status_board(s, s.get(Workpackage, wp["id"]))}

    assert stages() == {rfp["id"]: ("invited", None), other["id"]: ("invited", None)}
    token = get_token(client, sub)
    assert client.get(f"/rest/subcontractor/v1/rfps/{rfp['id']}",
                      headers=auth(token)).status_code == 200
    opened_at = clock.now()
    clock.advance(30)
    client.get(f"/rest/subcontractor/v1/rfps/{rfp['id']}", headers=auth(token))
    with factory.runtime.sessions() as s:
        assert s.get(Rfp, rfp["id"]).opened_at == opened_at  # the first reading only
    assert stages()[rfp["id"]] == ("opened", None)
    assert len(factory.events(gc.company_id, "rfp.opened")) == 1
    with factory.runtime.sessions() as s, s.begin():
        s.get(Rfp, rfp["id"]).response = RfpResponse.CALCULATE
        s.get(Rfp, other["id"]).response = RfpResponse.DECLINE
    assert stages() == {rfp["id"]: ("calculating", None), other["id"]: ("declined", None)}
    submit(factory, rfp["id"], [{"budgetLineId": line["id"], "unitPrice": "1.00"}], "2.00")
    submit(factory, rfp["id"], [{"budgetLineId": line["id"], "unitPrice": "0.90"}], "1.80")
    assert stages()[rfp["id"]] == ("submitted", 2)


def test_update_workpackage_records_only_real_changes(factory, client):
    gc = contractor(factory, client)
    wp = gc.workpackage(gc.project()["id"], code="22")
    with factory.runtime.sessions() as s, s.begin():
        w = s.get(Workpackage, wp["id"])
        assert projects.update_workpackage(s, _ctx(factory, gc), w, name=w.name, code="22",
                                           description=None, deadline=1893456000) == ["deadline"]
        assert projects.update_workpackage(s, _ctx(factory, gc), w, name=w.name, code="22",
                                           description=None, deadline=1893456000) == []
    event = factory.events(gc.company_id, "workpackage.updated")
    assert [e.data["changed"] for e in event] == [["deadline"]]


def test_export_shows_not_priced_apart_from_zero_and_marks_the_lowest(factory, client):
    gc = contractor(factory, client)
    wp = gc.workpackage(gc.project()["id"])
    l1, l2 = (x["id"] for x in gc.lines(wp["id"], [
        {"code": "01", "description": "=HYPERLINK(\"http://x\")", "quantity": "10", "unit": "m2"},
        {"code": "02", "description": "Voegwerk", "quantity": "4", "unit": "m1"}]))
    a, b, _charlie = (gc.invite(wp["id"], factory.company(name=unique(n)).company.id)
               for n in ("Alfa", "Bravo", "Charlie"))
    submit(factory, a["id"], [{"budgetLineId": l1, "unitPrice": "5.00"},
                              {"budgetLineId": l2, "unitPrice": "0.00"},
                              {"description": "Steiger", "quantity": "1", "unit": "ps",
                               "totalPrice": "75.00"}], "125.00")
    submit(factory, b["id"], [{"budgetLineId": l1, "unitPrice": "4.50"}], "45.00")
    with factory.runtime.sessions() as s:
        result = comparison.compare(s, s.get(Workpackage, wp["id"]))
        table = comparison_grid.grid(result)
        data = comparison_xlsx.workbook(result, "Comparison test")
    states = [[cell.state for cell in row.cells] for row in table.rows]
    assert states == [["priced", "priced", "no_proposal"], ["priced", "not_priced", "no_proposal"]]
    assert [cell.lowest for cell in table.rows[0].cells] == [False, True, False]
    assert table.rows[1].cells[0].total == Decimal("0.00") and table.rows[1].cells[0].lowest

    sheet = load_workbook(io.BytesIO(data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Comparison test"
    assert values[1][4].startswith("Alfa") and values[1][6] == "version 1"
    assert values[1][10].startswith("Charlie") and values[1][12] == "no proposal"
    assert values[2][:7] == ["Code", "Description", "Quantity", "Unit", "Unit price", "Total",
                             "Note"]
    assert values[3][1] == '=HYPERLINK("http://x")' and sheet.cell(4, 2).data_type == "s"
    assert values[3][4:9] == [5, 50, None, 4.5, 45]  # numbers, read back as a spreadsheet does
    assert sheet.cell(4, 8).fill.fgColor.rgb.endswith("E6F4EC")  # Bravo's lowest on line 1
    assert values[4][4:6] == [0, 0]  # a price of 0 is a number
    assert values[4][7] == "not priced"  # Bravo did not price it: text, not 0
    assert "Bidders' own lines (differ from the scope)" in [row[0] for row in values]
    extra = next(row for row in values if row[1] == "Steiger")
    assert extra[5] == 75
    totals = {row[1]: row for row in values if row[1] and str(row[1]).endswith("total")}
    assert totals["Proposal total"][5] == 125 and totals["Proposal total"][8] == 45
    assert totals["Own lines total"][5] == 75


def test_opened_is_not_moved_by_listing(factory, client):
    gc = contractor(factory, client)
    wp = gc.workpackage(gc.project()["id"])
    sub = factory.company()
    rfp = gc.invite(wp["id"], sub.company.id)
    token = get_token(client, sub)
    assert client.post("/rest/subcontractor/v1/rfps", headers=auth(token)).status_code == 200
    with factory.runtime.sessions() as s:
        assert s.scalar(select(Rfp.opened_at).where(Rfp.id == rfp["id"])) is None
        assert s.scalar(select(BudgetLine.id).where(BudgetLine.workpackage_id == wp["id"])) is None
