"""The bill buttons in the browser, on both databases: the contractor imports and exports on the
workpackage page, the subcontractor downloads the bill and uploads its prices on the RFP page;
refused files list their problems and change nothing; others' ids are not found."""

from __future__ import annotations

import re

from sqlalchemy import select

from bidbridge.models import PriceEntry
from tests.gaeb.support import HAND_WRITTEN, independent_x84, lines_of
from tests.gaeb.test_gaeb_services import PRICES
from tests.tendering.contractor.helpers import contractor
from tests.web.helpers import csrf_from, logged_in


def _upload(client, page_path, action, name, data):
    token = csrf_from(client.get(page_path).text)
    return client.post(action, data={"csrf_token": token},
                       files={"bill": (name, data, "application/octet-stream")},
                       follow_redirects=False)


def _tender(factory, client):
    gc = contractor(factory, client)
    wp = gc.workpackage(gc.project()["id"])
    sub = factory.company()
    rfp = gc.invite(wp["id"], sub.company.id)
    return gc, wp, sub, rfp


def test_the_contractor_imports_and_exports_the_bill_on_the_workpackage_page(factory, client):
    gc, wp, _, _ = _tender(factory, client)
    path = f"/workpackages/{wp['id']}"
    logged_in(client, gc.setup.admin.email)
    refused = _upload(client, path, path + "/bill", "bid.X84", independent_x84(PRICES))
    assert refused.status_code == 422
    assert "Nothing was imported" in refused.text and "expected an X83" in refused.text
    with factory.runtime.sessions() as s:
        assert lines_of(s, wp["id"]) == []
    imported = _upload(client, path, path + "/bill", "lv.X83", HAND_WRITTEN)
    assert imported.status_code == 303
    page = client.get(imported.headers["location"]).text
    assert "The bill is imported" in page
    assert re.findall(r'<td class="nowrap muted">([\d.]+)</td>', page) == [
        "01.0010", "01.0020", "01.0030", "01.0040", "01.0050", "01.0060"]
    assert "provisional</span>" in page and "alternative</span>" in page
    x83 = client.get(path + "/bill.x83")
    assert (x83.status_code, x83.headers["content-type"]) == (200, "application/xml")
    assert b"<DP>83</DP>" in x83.content
    assert client.get(path + "/bill.xlsx").content.startswith(b"PK")
    assert [e.actor_name for e in factory.events(gc.company_id, "bill.imported")] == [
        gc.setup.admin.name]


def test_the_subcontractor_prices_the_rfp_from_its_file_on_the_rfp_page(factory, client):
    gc, wp, sub, rfp = _tender(factory, client)
    logged_in(client, gc.setup.admin.email)
    assert _upload(client, f"/workpackages/{wp['id']}", f"/workpackages/{wp['id']}/bill",
                   "lv.X83", HAND_WRITTEN).status_code == 303
    client.cookies.clear()
    logged_in(client, sub.admin.email)
    page = f"/bids/{rfp['id']}"
    assert "Download X83" in client.get(page).text
    x83 = client.get(page + "/bill.x83")
    assert x83.status_code == 200 and b'RNoPart="0010"' in x83.content
    wrong = independent_x84({**PRICES, "01.0010": "100000000.00"})
    refused = _upload(client, page, page + "/bill", "bid.X84", wrong)
    assert refused.status_code == 422
    assert "Nothing was priced" in refused.text
    assert "01.0010: the unit price 100000000.00 has more than 10 digits" in refused.text
    with factory.runtime.sessions() as s:
        assert list(s.scalars(select(PriceEntry).where(PriceEntry.rfp_id == rfp["id"]))) == []
    priced = _upload(client, page, page + "/bill", "bid.X84", independent_x84(PRICES))
    assert priced.status_code == 303
    assert "Your prices from the file are saved" in client.get(priced.headers["location"]).text
    with factory.runtime.sessions() as s:
        entries = list(s.scalars(select(PriceEntry).where(PriceEntry.rfp_id == rfp["id"])))
    assert sorted(str(e.unit_price) for e in entries) == sorted(PRICES.values())
    assert [e.actor_name for e in factory.events(sub.company.id, "budget_lines.gaeb_uploaded")] \
        == [sub.admin.name]


def test_another_companys_bill_pages_are_not_found(factory, client):
    _, wp, _, rfp = _tender(factory, client)
    other = contractor(factory, client)
    logged_in(client, other.setup.admin.email)
    assert client.get(f"/workpackages/{wp['id']}/bill.x83").status_code == 404
    client.cookies.clear()
    logged_in(client, factory.company().admin.email)
    assert client.get(f"/bids/{rfp['id']}/bill.x83").status_code == 404
