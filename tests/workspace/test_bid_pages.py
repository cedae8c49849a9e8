"""The subcontractor's pages as plain HTML forms (no JavaScript), on both databases: what they
save through the services, what they refuse and how, and what another company's ids answer."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bidbridge.models import AuditEvent, CompanyKind, PriceEntry, Proposal, Rfp
from tests.tendering_factory import pdf_bytes, tender
from tests.web.helpers import csrf_from, logged_in


@pytest.fixture
def world(factory, client):
    sub = factory.company(api=False)
    partner = factory.company(api=False, name="Partner Installaties Zwolle")
    t = tender(factory, [sub], lines=3)
    logged_in(client, sub.admin.email)
    return sub, partner, t, t.rfp_for(sub)


def _post(client, page: str, action: str, data: dict, files=None):
    token = csrf_from(client.get(page).text)
    return client.post(action, data={**data, "csrf_token": token}, files=files,
                       follow_redirects=False)


def _entries(runtime, rfp_id: int) -> dict[int | None, PriceEntry]:
    with runtime.sessions() as s:
        return {e.budget_line_id: e for e in s.scalars(select(PriceEntry)
                                                       .where(PriceEntry.rfp_id == rfp_id))}


def test_the_grid_shows_a_wrong_value_at_its_cell_keeps_the_rest_and_saves_nothing(
        client, runtime, world):
    _, _, t, rfp = world
    first, second, third = t.lines
    page = f"/bids/{rfp.id}/pricing"
    typed = {f"price-{first.id}": "12.50", f"incl-{first.id}": "on",
             f"price-{second.id}": "12.505", f"incl-{second.id}": "on",
             f"note-{third.id}": "incl. voegwerk", f"incl-{third.id}": "on"}
    refused = _post(client, page, page, typed)
    assert refused.status_code == 422
    cell = re.search(rf'id="err-price-{second.id}">([^<]*)<', refused.text)
    assert cell and cell.group(1) == "the unit price, in EUR, has more than 2 decimals"
    assert 'value="12.50"' in refused.text and 'value="12.505"' in refused.text
    assert 'value="incl. voegwerk"' in refused.text
    assert _entries(runtime, rfp.id) == {}
    saved = _post(client, page, page, {**typed, f"price-{second.id}": "12.51"})
    assert saved.status_code == 303
    entries = _entries(runtime, rfp.id)
    assert entries[first.id].unit_price == Decimal("12.50")
    assert entries[second.id].unit_price == Decimal("12.51")
    assert entries[third.id].note == "incl. voegwerk" and entries[third.id].unit_price is None
    grid = client.get(page).text
    # 10.5 x 12.50 + 21.0 x 12.51 = 131.25 + 262.71, exact
    assert "EUR 393.96" in grid


def test_own_extra_lines_are_added_and_removed_with_the_grid(client, runtime, world):
    _, _, _t, rfp = world
    page = f"/bids/{rfp.id}/pricing"
    missing = _post(client, page, page, {"desc-new": "Steigerwerk", "price-new": "1250"})
    assert missing.status_code == 422
    assert re.search(r'id="err-qty-new">give the quantity', missing.text)
    assert re.search(r'id="err-unit-new">give the unit', missing.text)
    added = _post(client, page, page, {"desc-new": "Steigerwerk", "qty-new": "1",
                                       "unit-new": "ps", "price-new": "1250", "incl-new": "on"})
    assert added.status_code == 303
    extra = _entries(runtime, rfp.id)[None]
    assert (extra.description, extra.quantity, extra.unit_price) == (
        "Steigerwerk", Decimal("1.000"), Decimal("1250.00"))
    removed = _post(client, page, page, {f"del-x{extra.id}": "on"})
    assert removed.status_code == 303
    assert _entries(runtime, rfp.id)[None].deleted_at is not None


def test_a_live_cell_save_answers_the_row_total_and_the_totals(client, runtime, world):
    _, _, t, rfp = world
    line = t.lines[0]
    page = f"/bids/{rfp.id}/pricing"
    ok = _post(client, page, f"{page}/cell", {"row": str(line.id), f"price-{line.id}": "3.21",
                                              f"incl-{line.id}": "on"})
    assert ok.status_code == 200
    assert re.search(rf'<output id="total-{line.id}"[^>]*hx-swap-oob="true">33.71<', ok.text)
    assert "EUR 33.71" in ok.text and "Draft saved" in ok.text  # 10.5 x 3.21 = 33.705 -> 33.71
    wrong = _post(client, page, f"{page}/cell", {"row": str(line.id), f"price-{line.id}": "-1",
                                                 f"incl-{line.id}": "on"})
    assert wrong.status_code == 422 and "must not be negative" in wrong.text
    assert _entries(runtime, rfp.id)[line.id].unit_price == Decimal("3.21")


def test_submission_needs_the_confirmation_and_is_refused_after_the_deadline(
        client, runtime, factory, world, clock):
    sub, _, t, rfp = world
    page = f"/bids/{rfp.id}/pricing"
    _post(client, page, page, {f"price-{t.lines[0].id}": "10", f"incl-{t.lines[0].id}": "on"})
    proposals = f"/bids/{rfp.id}/proposals"
    unconfirmed = _post(client, proposals, proposals, {"message": "Hier is onze prijs"})
    assert unconfirmed.status_code == 422 and "confirm: tick the box" in unconfirmed.text
    assert "Hier is onze prijs" in unconfirmed.text
    files = {"attachments": ("offerte.pdf", pdf_bytes("offerte"), "application/pdf")}
    done = _post(client, proposals, proposals, {"confirm": "yes"}, files=files)
    assert done.status_code == 303
    receipt = client.get(done.headers["location"])
    assert "EUR 105.00" in receipt.text and "offerte.pdf" in receipt.text
    clock.advance(timedelta(days=15).total_seconds())
    logged_in(client, sub.admin.email)  # the session itself ended meanwhile
    late = _post(client, proposals, proposals, {"confirm": "yes"})
    assert late.status_code == 409
    assert f"The deadline of RFP {rfp.id} passed at" in late.text
    with runtime.sessions() as s:
        versions = s.scalars(select(Proposal.version).where(Proposal.rfp_id == rfp.id)).all()
        events = s.scalars(select(AuditEvent).where(AuditEvent.company_id == sub.company.id,
                                                    AuditEvent.event == "proposal.submitted")).all()
    assert versions == [1]
    assert [(e.actor_kind, e.actor_id, e.actor_name) for e in events] == [
        ("contact", sub.admin.id, sub.admin.name)]


def test_the_receipt_downloads_as_a_pdf(client, world):
    _, _, t, rfp = world
    page = f"/bids/{rfp.id}/pricing"
    _post(client, page, page, {f"price-{t.lines[0].id}": "10", f"incl-{t.lines[0].id}": "on"})
    proposals = f"/bids/{rfp.id}/proposals"
    done = _post(client, proposals, proposals, {"confirm": "yes"})
    receipt = done.headers["location"].split("?")[0]
    pdf = client.get(f"{receipt}/receipt.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and b"reportlab" in pdf.content.lower()



def test_opening_the_rfp_page_marks_it_opened_for_the_contractor(client, runtime, world):
    sub, _, t, rfp = world
    assert client.get(f"/bids/{rfp.id}").status_code == 200
    assert client.get(f"/bids/{rfp.id}").status_code == 200
    with runtime.sessions() as s:
        assert s.get(Rfp, rfp.id).opened_at == runtime.clock.now()
        events = s.scalars(select(AuditEvent).where(
            AuditEvent.company_id == t.contractor.company.id, AuditEvent.event == "rfp.opened")).all()
    assert [(e.actor_kind, e.actor_id) for e in events] == [("contact", sub.admin.id)]


def test_respond_then_forward_once(client, runtime, world):
    _, partner, _, rfp = world
    page = f"/bids/{rfp.id}"
    bad = _post(client, page, f"{page}/response", {"response": "maybe"})
    assert bad.status_code == 422 and "response: choose calculate" in bad.text
    ok = _post(client, page, f"{page}/response", {"response": "pending", "note": "Volgende week"})
    assert ok.status_code == 303
    found = client.get(f"{page}?partner=Partner Installaties")
    assert "Partner Installaties Zwolle" in found.text
    forwarded = _post(client, page, f"{page}/forward",
                      {"partner_company_id": str(partner.company.id), "forward_message": "Jij?"})
    assert forwarded.status_code == 303
    again = _post(client, f"{page}?partner=Partner", f"{page}/forward",
                  {"partner_company_id": str(partner.company.id)})
    assert again.status_code == 409 and "can be forwarded once" in again.text
    with runtime.sessions() as s:
        assert s.get(Rfp, rfp.id).forwarded_to_company_id == partner.company.id


def test_another_companys_ids_answer_404_on_every_route(client, factory, world):
    _sub, _, _t, rfp = world
    stranger = factory.company(api=False)
    theirs = tender(factory, [stranger]).rfp_for(stranger)
    foreign_doc = tender(factory, [stranger]).documents[0]
    for path in (f"/bids/{theirs.id}", f"/bids/{theirs.id}/pricing",
                 f"/bids/{theirs.id}/proposals", f"/bids/{theirs.id}/documents.zip",
                 f"/bids/{rfp.id}/documents/{foreign_doc.id}", f"/bids/{rfp.id}/proposals/1",
                 f"/bids/{2**40}", "/bids/abc"):
        answer = client.get(path, headers={"accept": "text/html"})
        assert answer.status_code == 404, path
        assert "Internal" not in answer.text
    own = f"/bids/{rfp.id}"
    for action, data in ((f"/bids/{theirs.id}/response", {"response": "calculate"}),
                         (f"/bids/{theirs.id}/forward", {"partner_company_id": "1"}),
                         (f"/bids/{theirs.id}/pricing", {}),
                         (f"/bids/{theirs.id}/proposals", {"confirm": "yes"}),
                         (f"/bids/{theirs.id}/messages", {"text": "hallo"})):
        assert _post(client, own, action, data).status_code == 404, action


def test_contractor_people_have_no_bid_board(client, factory):
    gc = factory.company(CompanyKind.CONTRACTOR, api=False)
    logged_in(client, gc.admin.email)
    assert client.get("/bids").status_code == 404
    assert client.get("/", follow_redirects=False).headers["location"] == "/projects"


def test_crafted_board_filters_are_named_and_the_board_still_shows(client, world):
    _, _, t, _ = world
    answer = client.get("/bids?sort=price&status=bogus")
    assert answer.status_code == 422
    assert "status: &#39;bogus&#39; is not one of the choices" in answer.text
    assert t.workpackage.name in answer.text
