"""getProposals (the price comparison), sendMessage and getMessages on both databases."""

from __future__ import annotations

import hashlib

from bidbridge.models import ProposalState
from tests.tendering.contractor.helpers import assert_not_found, contractor, submit


def _priced_workpackage(factory, gc, bidders: int):
    wp = gc.workpackage(gc.project()["id"])
    lines = gc.lines(wp["id"], [
        {"code": "01", "description": "Metselwerk", "quantity": "12.5", "unit": "m2"},
        {"code": "02", "description": "Voegwerk", "quantity": "3", "unit": "m1"},
        {"code": "03", "description": "Lateien", "quantity": "7", "unit": "st"},
    ])
    rfps = [gc.invite(wp["id"], factory.company().company.id) for _ in range(bidders)]
    return wp, [line["id"] for line in lines], rfps


def test_comparison_line_by_line_with_exact_money(factory, client):
    gc = contractor(factory, client)
    wp, (l1, l2, l3), (a, b, c) = _priced_workpackage(factory, gc, 3)
    # A: unit prices; 12.5 × 10.10 = 126.25, 3 × 0.10 = 0.30, line 3 excluded.
    submit(factory, a["id"], [
        {"budgetLineId": l1, "unitPrice": "10.10", "included": True},
        {"budgetLineId": l2, "unitPrice": "0.10", "included": True},
        {"budgetLineId": l3, "unitPrice": "1.00", "included": False},
        {"description": "Steigerwerk", "quantity": "1", "unit": "ps", "totalPrice": "0.20",
         "included": True},
    ], "126.75")
    # B: version 1 is superseded by version 2 (total prices, snake_case snapshot keys).
    submit(factory, b["id"], [{"budgetLineId": l1, "unitPrice": "99.00", "included": True}],
           "1237.50")
    submit(factory, b["id"], [
        {"budget_line_id": l1, "total_price": "126.25", "included": True},
        {"budget_line_id": l2, "total_price": "0.35", "included": True},
        {"budget_line_id": l3, "unit_price": "0.01", "included": True},
    ], "126.67")
    # C: withdrew its only version.
    submit(factory, c["id"], [{"budgetLineId": l1, "unitPrice": "1.00", "included": True}],
           "12.50", state=ProposalState.WITHDRAWN)
    response = gc.get(f"/workpackages/{wp['id']}/proposals")
    assert response.status_code == 200, response.text
    body = response.json()
    bidders = {x["rfpId"]: x for x in body["bidders"]}
    assert list(bidders) == [a["id"], b["id"], c["id"]]
    assert bidders[a["id"]]["proposal"]["totalAmount"] == "126.75"
    assert bidders[a["id"]]["linesTotal"] == "126.55"
    assert bidders[a["id"]]["extrasTotal"] == "0.20"
    assert bidders[b["id"]]["proposal"]["version"] == 2
    assert bidders[b["id"]]["linesTotal"] == "126.67"
    assert bidders[c["id"]]["proposal"] is None and bidders[c["id"]]["withdrawn"] is True
    rows = {row["budgetLineId"]: row for row in body["lines"]}
    assert [row["budgetLineId"] for row in body["lines"]] == [l1, l2, l3]
    assert rows[l1]["quantity"] == "12.500"
    cells = {p["rfpId"]: p for p in rows[l1]["prices"]}
    assert cells[a["id"]] == {"rfpId": a["id"], "unitPrice": "10.10", "total": "126.25",
                              "included": True, "lowest": True}
    # B priced by total: the unit price is derived, with four decimals (126.25 / 12.5).
    assert cells[b["id"]]["unitPrice"] == "10.1000" and cells[b["id"]]["lowest"] is True
    # Ties are all named; a withdrawn proposal does not take part.
    assert rows[l1]["lowest"] == "126.25" and rows[l1]["lowestRfpIds"] == [a["id"], b["id"]]
    assert rows[l2]["lowest"] == "0.30" and rows[l2]["lowestRfpIds"] == [a["id"]]
    # An excluded line is shown but never the lowest; 7 × 0.01 = 0.07.
    assert {p["rfpId"]: (p["total"], p["included"]) for p in rows[l3]["prices"]} == \
        {a["id"]: ("7.00", False), b["id"]: ("0.07", True)}
    assert rows[l3]["lowestRfpIds"] == [b["id"]]
    assert body["extraRows"] == [{"rfpId": a["id"], "description": "Steigerwerk",
                                  "quantity": "1.000", "unit": "ps", "unitPrice": "0.2000",
                                  "total": "0.20", "included": True}]
    assert (body["lowestTotal"], body["lowestTotalRfpIds"]) == ("126.67", [b["id"]])
    listed = {r["id"]: r["latestProposal"] for r in
              gc.post("/rfps", {"workpackageId": str(wp["id"])}).json()["rfps"]}
    assert (listed[b["id"]]["version"], listed[b["id"]]["totalAmount"],
            listed[b["id"]]["state"]) == (2, "126.67", "submitted")
    assert listed[c["id"]]["state"] == "withdrawn"


def test_comparison_without_proposals_and_isolation(factory, client):
    gc = contractor(factory, client)
    other = contractor(factory, client)
    wp, _, rfps = _priced_workpackage(factory, gc, 1)
    body = gc.get(f"/workpackages/{wp['id']}/proposals").json()
    assert [(b["rfpId"], b["proposal"]) for b in body["bidders"]] == [(rfps[0]["id"], None)]
    assert all(row["prices"] == [] and row["lowest"] is None for row in body["lines"])
    assert body["lowestTotal"] is None
    assert_not_found(other.get(f"/workpackages/{wp['id']}/proposals"), "workpackage")


def test_send_message_with_attachments_and_read_the_thread(factory, client, clock):
    gc = contractor(factory, client)
    other = contractor(factory, client)
    wp = gc.workpackage(gc.project()["id"])
    rfp = gc.invite(wp["id"], factory.company().company.id)
    clock.advance(40)
    drawing = b"AC1032 not a pdf at all"
    response = gc.post(f"/rfps/{rfp['id']}/messages", {"text": "Revisie C van de tekeningen."},
                       files=[("attachments", ("gevel.dwg", drawing, "image/vnd.dwg")),
                              ("attachments", ("notes.txt", b"notes", "text/plain"))])
    assert response.status_code == 201, response.text
    message = response.json()
    assert (message["direction"], message["text"], message["authorName"]) == \
        ("to_subcontractor", "Revisie C van de tekeningen.", gc.setup.api_user.name)
    assert [(d["name"], d["sha256"]) for d in message["attachments"]] == [
        ("gevel.dwg", hashlib.sha256(drawing).hexdigest()),
        ("notes.txt", hashlib.sha256(b"notes").hexdigest())]
    plain = gc.post(f"/rfps/{rfp['id']}/messages", {"text": "Zonder bijlage"})
    assert plain.status_code == 201 and plain.json()["attachments"] == []
    thread = gc.get(f"/rfps/{rfp['id']}/messages").json()
    assert [m["id"] for m in thread] == [message["id"], plain.json()["id"]]
    listed = gc.post("/rfps", {"workpackageId": wp["id"]}).json()["rfps"][0]
    assert listed["updatedAt"] == rfp["updatedAt"] + 40
    events = factory.events(gc.company_id, "message.sent")
    assert [e.target_id for e in events] == [message["id"], plain.json()["id"]]
    assert events[0].data == {"rfpId": rfp["id"], "attachments": 2}
    # Errors: no text; another contractor's RFP.
    empty = gc.post(f"/rfps/{rfp['id']}/messages", {"text": ""})
    assert empty.status_code == 422 and empty.json()["errors"][0]["parameter"] == "text"
    assert_not_found(other.post(f"/rfps/{rfp['id']}/messages", {"text": "hi"}), "rfp")
    assert_not_found(other.get(f"/rfps/{rfp['id']}/messages"), "rfp")
    assert len(gc.get(f"/rfps/{rfp['id']}/messages").json()) == 2
