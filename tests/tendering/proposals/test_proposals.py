"""submitProposal and getProposals on both databases: totals, snapshots, versions, receipts,
attachments, deadlines, forwarding, award, isolation, updatedAt and the audit events."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from bidbridge.models import Document, DocumentVersion, Rfp, RfpStatus
from tests.tendering.proposals.helpers import (
    BASE,
    bidder,
    delete_line,
    price,
    proposals_in_db,
    rfp_row,
    submit,
)
from tests.tendering_factory import pdf_bytes


def recomputed_sha256(p: dict) -> str:
    """The receipt hash as docs/proposals.md tells an integrator to recompute it."""
    canonical = {"rfpId": p["rfpId"], "version": p["version"], "message": p["message"],
                 "totalAmount": p["totalAmount"], "currency": p["currency"],
                 "lines": p["lines"], "attachments": [a["sha256"] for a in p["attachments"]]}
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def get_proposals(client, b, rfp_id=None):
    return client.get(f"{BASE}/rfps/{rfp_id or b.rfp_id}/proposals", headers=b.headers)


def test_submission_snapshots_priced_lines_and_computes_the_total(client, factory, runtime):
    b = bidder(client, factory)  # 10.5, 21, 31.5
    one, two, three = b.line_ids
    price(client, b, [{"budgetLineId": one, "unitPrice": "0.10"},   # 1.05
                      {"budgetLineId": two, "unitPrice": "0.20"},   # 4.20
                      {"budgetLineId": three, "totalPrice": "7", "included": False},
                      {"description": "Extra", "quantity": "0.333", "unit": "st",
                       "unitPrice": "3.00"}])  # 1.00
    response = submit(client, b, message="Prijs geldig 60 dagen — incl. steigers")
    assert response.status_code == 201, response.text
    p = response.json()
    assert (p["version"], p["state"], p["superseded"], p["totalAmount"], p["currency"]) == \
        (1, "submitted", False, "6.25", "EUR")
    assert p["submittedByName"] == b.setup.api_user.name
    assert [(x["kind"], x["budgetLineId"], x["quantity"], x["unitPrice"], x["totalPrice"],
             x["pricedBy"], x["included"]) for x in p["lines"]] == [
        ("line", one, "10.500", "0.10", "1.05", "unitPrice", True),
        ("line", two, "21.000", "0.20", "4.20", "unitPrice", True),
        ("line", three, "31.500", "0.2222", "7.00", "totalPrice", False),
        ("extra", None, "0.333", "3.00", "1.00", "unitPrice", True)]
    assert p["lines"][0]["code"] == "22.01" and p["lines"][3]["description"] == "Extra"
    receipt = p["receipt"]
    assert receipt == {"proposalId": p["proposalId"], "version": 1,
                       "submittedAt": int(runtime.clock.now().timestamp()),
                       "totalAmount": "6.25", "currency": "EUR", "lineCount": 4,
                       "attachments": [], "contentSha256": recomputed_sha256(p)}
    assert rfp_row(runtime, b.rfp_id).status == RfpStatus.PROPOSAL
    assert get_proposals(client, b).json() == [p]


def test_attachments_are_stored_with_their_hashes_in_the_receipt(client, factory, runtime):
    b = bidder(client, factory, lines=0)
    quote = pdf_bytes("Offerte")
    sheet = b"PK\x03\x04 pretend xlsx"
    response = submit(client, b, totalAmount="12500.00", files=[
        ("offerte.pdf", quote, "application/pdf"),
        ("prijzen.xlsx", sheet, "application/octet-stream")])
    assert response.status_code == 201, response.text
    p = response.json()
    assert [(a["name"], a["contentType"], a["size"], a["sha256"]) for a in p["attachments"]] == [
        ("offerte.pdf", "application/pdf", len(quote), hashlib.sha256(quote).hexdigest()),
        ("prijzen.xlsx",
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", len(sheet),
         hashlib.sha256(sheet).hexdigest())]
    assert p["receipt"]["contentSha256"] == recomputed_sha256(p)
    assert p["attachments"][0]["downloadPath"] == \
        f"{BASE}/documents/{p['attachments'][0]['documentId']}"
    with runtime.sessions() as s:
        version = s.scalar(select(DocumentVersion).where(
            DocumentVersion.document_id == p["attachments"][0]["documentId"]))
        owner = s.get(Document, p["attachments"][0]["documentId"])
    assert (owner.company_id, owner.proposal_id) == (b.setup.company.id, p["proposalId"])
    with runtime.storage.open(version.storage_key) as stored:
        assert stored.read() == quote
    [event] = factory.events(b.setup.company.id, "proposal.submitted")
    assert event.data["attachmentCount"] == 2


def test_attachments_of_other_types_or_too_large_are_refused(client, factory, runtime):
    b = bidder(client, factory, lines=0)
    refused = submit(client, b, totalAmount="10", files=[("virus.exe", b"MZ", "application/x")])
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["parameter"] == "attachments"
    assert "virus.exe" in refused.json()["detail"]
    runtime.settings.max_upload_bytes = 1000
    too_big = submit(client, b, totalAmount="10", files=[("big.pdf", b"%" * 1001,
                                                          "application/pdf")])
    assert too_big.status_code == 413
    assert too_big.json()["code"] == "file_too_large"
    assert too_big.json()["limit"] == 1000
    assert proposals_in_db(runtime, b.rfp_id) == []


def test_total_amount_is_required_without_budget_lines_and_refused_with_them(client, factory):
    bare = bidder(client, factory, lines=0)
    missing = submit(client, bare, message="no price")
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["parameter"] == "totalAmount"
    given = submit(client, bare, totalAmount="999999999999.99")
    assert given.status_code == 201
    assert given.json()["totalAmount"] == "999999999999.99"
    assert given.json()["lines"] == []
    for bad in ("12.345", "-5", "1e3", "1,50"):
        refused = submit(client, bare, totalAmount=bad)
        assert refused.status_code == 422, bad
        assert refused.json()["errors"][0]["parameter"] == "totalAmount"

    lined = bidder(client, factory, lines=1)
    price(client, lined, [{"budgetLineId": lined.line_ids[0], "unitPrice": "1"}])
    refused = submit(client, lined, totalAmount="100")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["parameter"] == "totalAmount"
    assert "computed from your included priced lines" in refused.json()["detail"]


def test_budget_lines_without_an_included_price_cannot_be_submitted(client, factory, runtime):
    b = bidder(client, factory, lines=2)
    nothing = submit(client, b)
    assert nothing.status_code == 422
    assert nothing.json()["code"] == "nothing_priced"
    price(client, b, [{"budgetLineId": b.line_ids[0], "unitPrice": "1", "included": False}])
    excluded = submit(client, b)
    assert excluded.status_code == 422
    assert excluded.json()["pricedLines"] == 1
    assert proposals_in_db(runtime, b.rfp_id) == []


def test_a_new_version_supersedes_the_previous_and_the_snapshot_never_changes(
        client, factory, clock, runtime):
    b = bidder(client, factory, lines=2)
    one, two = b.line_ids
    price(client, b, [{"budgetLineId": one, "unitPrice": "2.00"}])
    first = submit(client, b, message="v1").json()
    clock.advance(60)
    price(client, b, [{"budgetLineId": one, "unitPrice": "3.00"},
                      {"budgetLineId": two, "totalPrice": "5"}])
    delete_line(runtime, two)  # the contractor drops a line: v1 keeps what it had
    second = submit(client, b, message="v2").json()
    assert (first["version"], second["version"]) == (1, 2)
    assert second["totalAmount"] == "31.50"
    listed = get_proposals(client, b).json()
    assert [p["version"] for p in listed] == [2, 1]
    old = listed[1]
    assert old["superseded"] is True
    assert old["supersededAt"] == int(clock.now().timestamp())
    assert old["state"] == "submitted"
    assert (old["lines"], old["totalAmount"], old["contentSha256"]) == \
        (first["lines"], "21.00", first["contentSha256"])
    assert old["contentSha256"] == recomputed_sha256(old)
    assert listed[0]["superseded"] is False


def test_submission_is_refused_at_the_deadline_but_not_a_second_before(client, factory, clock):
    b = bidder(client, factory, lines=0, deadline_in=timedelta(days=3))
    b.deadline_in(client, clock, 1)
    assert submit(client, b, totalAmount="10").status_code == 201
    clock.advance(1)
    refused = submit(client, b, totalAmount="11")
    assert refused.status_code == 409
    deadline = b.tender.project.deadline_date
    assert refused.json()["code"] == "deadline_passed"
    assert refused.json()["deadline"] == int(deadline.timestamp())
    assert deadline.isoformat() in refused.json()["detail"]
    assert str(int(deadline.timestamp())) in refused.json()["detail"]
    assert [p["version"] for p in get_proposals(client, b).json()] == [1]


def test_the_workpackage_deadline_overrides_the_project_deadline(client, factory, clock, runtime):
    b = bidder(client, factory, lines=0, deadline_in=timedelta(days=10))
    from bidbridge.models import Workpackage
    with runtime.sessions() as s, s.begin():
        s.get(Workpackage, b.tender.workpackage.id).deadline = clock.now() + timedelta(minutes=5)
    clock.advance(300)
    refused = submit(client, b, totalAmount="10")
    assert refused.status_code == 409
    assert refused.json()["deadline"] == int(clock.now().timestamp())


def test_submission_is_refused_after_forwarding_and_after_the_award(client, factory, runtime):
    forwarded = bidder(client, factory, lines=0)
    awarded = bidder(client, factory, lines=0)
    partner = factory.company()
    with runtime.sessions() as s, s.begin():
        rfp = s.get(Rfp, forwarded.rfp_id)
        rfp.forwarded_to_company_id = partner.company.id
        rfp.forwarded_at = runtime.clock.now()
        s.get(Rfp, awarded.rfp_id).status = RfpStatus.NOT_AWARDED
    assert submit(client, forwarded, totalAmount="1").json()["code"] == "rfp_forwarded"
    decided = submit(client, awarded, totalAmount="1")
    assert (decided.status_code, decided.json()["code"]) == (409, "rfp_decided")
    assert rfp_row(runtime, awarded.rfp_id).status == RfpStatus.NOT_AWARDED


def test_message_is_limited_to_5000_characters(client, factory):
    b = bidder(client, factory, lines=0)
    too_long = submit(client, b, totalAmount="1", message="x" * 5001)
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["parameter"] == "message"
    assert too_long.json()["errors"][0]["problem"] == "too_long"
    assert submit(client, b, totalAmount="1", message="y" * 5000).json()["message"] == "y" * 5000


def test_another_companys_rfp_is_not_found(client, factory, runtime):
    mine = bidder(client, factory, lines=0)
    theirs = bidder(client, factory, lines=0)
    submit(client, theirs, totalAmount="5")
    for response in (submit(client, mine, totalAmount="1", rfp_id=theirs.rfp_id),
                     get_proposals(client, mine, rfp_id=theirs.rfp_id)):
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        assert "totalAmount" not in response.text
    assert len(proposals_in_db(runtime, theirs.rfp_id)) == 1


def test_submission_moves_updated_at_and_writes_events_in_the_api_users_name(
        client, factory, clock, runtime):
    b = bidder(client, factory, lines=0)
    before = rfp_row(runtime, b.rfp_id)
    clock.advance(90)
    p = submit(client, b, totalAmount="42.10").json()
    after = rfp_row(runtime, b.rfp_id)
    assert after.updated_at == before.updated_at + timedelta(seconds=90)
    [event] = factory.events(b.setup.company.id, "proposal.submitted")
    assert (event.actor_name, event.actor_id, event.target_id) == \
        (b.setup.api_user.name, b.setup.api_user.id, p["proposalId"])
    assert event.data["totalAmount"] == "42.10"
    assert event.data["contentSha256"] == p["contentSha256"]
    # The status change is the contractor's record: the subcontractor's trail must not reveal
    # a status the contractor keeps internal.
    assert factory.events(b.setup.company.id, "rfp.status_changed") == []
    [status] = factory.events(b.tender.contractor.company.id, "rfp.status_changed")
    assert status.data == {"from": "unknown", "to": "proposal"}


def test_large_totals_add_up_exactly(client, factory):
    b = bidder(client, factory, lines=3)
    # Each line at GAEB's largest line total (11 digits); the proposal total may exceed it.
    price(client, b, [{"budgetLineId": line, "totalPrice": "999999999.99"}
                      for line in b.line_ids])
    p = submit(client, b).json()
    assert p["totalAmount"] == "2999999999.97"
    assert sum(Decimal(x["totalPrice"]) for x in p["lines"]) == Decimal("2999999999.97")


def test_a_json_body_carries_the_total_as_an_exact_number(client, factory):
    b = bidder(client, factory, lines=0)
    raw = '{"totalAmount": 1234.5, "message": "JSON body"}'
    response = client.post(f"{BASE}/rfps/{b.rfp_id}/proposals", content=raw,
                           headers={**b.headers, "Content-Type": "application/json"})
    assert response.status_code == 201, response.text
    assert (response.json()["totalAmount"], response.json()["message"]) == ("1234.50", "JSON body")
