"""The GAEB functions over HTTP, on both databases: the contractor imports an X83, the
subcontractor downloads it, uploads an X84 from another writer, submits and downloads its X84;
the contractor exports the bid and the award. Another company's objects are not found."""

from __future__ import annotations

from decimal import Decimal

from pygaeb import GAEBParser

from tests.factories import auth, get_token
from tests.gaeb.support import HAND_WRITTEN, ITEMS, independent_x84, lines_of
from tests.gaeb.test_gaeb_services import PRICES
from tests.tendering.contractor.helpers import assert_not_found, contractor

SUB = "/rest/subcontractor/v1"
X83 = ("bill.X83", HAND_WRITTEN, "application/xml")


def _setup(factory, client):
    gc = contractor(factory, client)
    project = gc.project()
    wp = gc.workpackage(project["id"])
    sub = factory.company()
    rfp = gc.invite(wp["id"], sub.company.id)
    return gc, wp, sub, rfp, auth(get_token(client, sub))


def test_the_whole_exchange_x83_in_x84_back_x86_out(factory, client):
    gc, wp, _, rfp, headers = _setup(factory, client)
    response = gc.post(f"/workpackages/{wp['id']}/bill/gaeb", files={"file": X83})
    assert response.status_code == 200, response.text
    assert response.json() == {
        "workpackageId": wp["id"], "source": "x83", "lots": 0, "titles": 1, "items": 6,
        "itemsByType": {"alternative": 1, "base": 1, "lump_sum": 1, "normal": 1,
                        "provisional": 1, "provisional_with_total": 1},
        "billTotal": None, "replacedLines": 0}
    assert [e.event for e in factory.events(gc.company_id, "bill.imported")] == ["bill.imported"]

    x83 = client.get(f"{SUB}/rfps/{rfp['id']}/bill.x83", headers=headers)
    assert x83.status_code == 200
    assert x83.headers["content-type"].startswith("application/xml")
    doc = GAEBParser.parse_bytes(x83.content, filename="rfp.X83")
    assert [i.full_oz for i in doc.award.boq.iter_items()] == list(ITEMS)

    upload = client.post(f"{SUB}/rfps/{rfp['id']}/budget-lines/gaeb", headers=headers,
                         files={"file": ("bid.X84", independent_x84(PRICES), "application/xml")})
    assert upload.status_code == 200, upload.text
    assert upload.json() == {"rfpId": rfp["id"], "items": 6, "priced": 6, "unpriced": 0,
                             "includedTotal": "1605.13"}
    lines = client.get(f"{SUB}/rfps/{rfp['id']}/budget-lines", headers=headers).json()["lines"]
    assert [(x["oz"], x["itemType"], x["countsInTotal"]) for x in lines][3:] == [
        ("01.0040", "provisional", False), ("01.0050", "base", True),
        ("01.0060", "alternative", False)]

    submitted = client.post(f"{SUB}/rfps/{rfp['id']}/proposals", headers=headers)
    assert submitted.status_code == 201, submitted.text
    proposal = submitted.json()
    assert proposal["totalAmount"] == "1605.13"
    x84 = client.get(f"{SUB}/proposals/{proposal['proposalId']}/bid.x84", headers=headers)
    assert x84.status_code == 200, x84.text
    bid = GAEBParser.parse_bytes(x84.content, filename="bid.X84")
    counted = sum((i.total_price for i in bid.award.boq.iter_items()
                   if ITEMS[i.full_oz][0] not in ("provisional", "alternative")), Decimal(0))
    assert str(counted) == proposal["totalAmount"]

    contractor_x84 = gc.get(f"/rfps/{rfp['id']}/proposal.x84")
    assert contractor_x84.status_code == 200
    assert contractor_x84.content == x84.content

    assert gc.get(f"/workpackages/{wp['id']}/award.x86").json()["code"] == "not_awarded"
    assert gc.post(f"/rfps/{rfp['id']}/status", {"status": "awarded"}).status_code == 200
    x86 = gc.get(f"/workpackages/{wp['id']}/award.x86")
    assert x86.status_code == 200, x86.text
    assert b"<DP>86</DP>" in x86.content


def test_bad_uploads_answer_4xx_naming_the_parameter(factory, client):
    gc, wp, _, rfp, headers = _setup(factory, client)
    refused = gc.post(f"/workpackages/{wp['id']}/bill/gaeb",
                      files={"file": ("bid.X84", independent_x84(PRICES), "application/xml")})
    assert refused.status_code == 422
    assert (refused.json()["code"], refused.json()["parameter"]) == ("gaeb_wrong_phase", "file")
    big = gc.post(f"/workpackages/{wp['id']}/bill/gaeb",
                  files={"file": ("big.X83", b"<" * (60 * 1024 * 1024), "application/xml")})
    assert big.status_code == 413, big.text
    with factory.runtime.sessions() as s:
        assert lines_of(s, wp["id"]) == []  # nothing was imported
    upload = client.post(f"{SUB}/rfps/{rfp['id']}/budget-lines/gaeb", headers=headers,
                         files={"file": ("bill.X83", HAND_WRITTEN, "application/xml")})
    assert (upload.status_code, upload.json()["code"]) == (422, "gaeb_wrong_phase")


def test_another_companys_bill_is_not_found(factory, client):
    _, wp, _, rfp, _ = _setup(factory, client)
    other = contractor(factory, client)
    assert_not_found(other.get(f"/workpackages/{wp['id']}/bill.x83"), "workpackage")
    assert_not_found(other.post(f"/workpackages/{wp['id']}/bill/gaeb", files={"file": X83}),
                     "workpackage")
    stranger = auth(get_token(client, factory.company()))
    assert client.get(f"{SUB}/rfps/{rfp['id']}/bill.x83", headers=stranger).status_code == 404
