from datetime import timedelta

import pytest

from bidbridge.clock import unix
from bidbridge.models import Company, RfpResponse, RfpStatus
from tests.tendering.sub.support import add_proposal, edit_rfp, load_rfp, signed_in
from tests.tendering_factory import tender


@pytest.mark.parametrize(("answer", "status"), [("calculate", RfpStatus.CALCULATING),
                                                ("pending", RfpStatus.PENDING),
                                                ("decline", RfpStatus.NOT_CALCULATING)])
def test_response_moves_the_contractor_status(factory, client, clock, answer, status):
    sub = signed_in(factory, client)
    t = tender(factory, [sub.setup])
    rfp = t.rfp_for(sub.setup)
    clock.advance(30)
    response = sub.post(f"/rfps/{rfp.id}/response", {"response": answer,
                                                      "note": "Prijs volgt vrijdag"})
    assert response.status_code == 200, response.text
    body = response.json()
    now = unix(clock.now())
    assert body == {"rfpId": rfp.id, "response": answer, "note": "Prijs volgt vrijdag",
                    "respondedAt": now, "status": None, "updatedAt": now}
    stored = load_rfp(factory, rfp.id)
    assert stored.status is status and stored.response is RfpResponse(answer)
    assert stored.responded_by_name == sub.setup.api_user.name
    assert unix(stored.updated_at) == now > unix(rfp.updated_at)
    [event] = factory.events(sub.company_id, "rfp.responded")
    assert event.actor_name == sub.setup.api_user.name and event.actor_id == sub.setup.api_user.id
    assert event.target_id == rfp.id
    # The contractor's status is internal: the subcontractor's trail does not carry it.
    assert event.data == {"response": answer, "note": "Prijs volgt vrijdag",
                          "previousResponse": None, "status": None}
    [change] = factory.events(t.contractor.company.id, "rfp.status_changed")
    assert change.data["from"] == "unknown" and change.data["to"] == status.value
    view = sub.get(f"/rfps/{rfp.id}").json()
    assert view["response"]["response"] == answer and view["response"]["respondedAt"] == now


def test_shared_status_is_returned(factory, client):
    sub = signed_in(factory, client)
    rfp = tender(factory, [sub.setup]).rfp_for(sub.setup)
    edit_rfp(factory, rfp.id, status_shared=True)
    body = sub.post(f"/rfps/{rfp.id}/response", {"response": "pending"}).json()
    assert body["status"] == "pending" and body["note"] is None


@pytest.mark.parametrize("status", [RfpStatus.PROPOSAL, RfpStatus.WITHIN_BUDGET,
                                    RfpStatus.AWARDED, RfpStatus.NOT_AWARDED])
def test_a_status_beyond_the_response_stays(factory, client, status):
    sub = signed_in(factory, client)
    t = tender(factory, [sub.setup])
    rfp = t.rfp_for(sub.setup)
    edit_rfp(factory, rfp.id, status=status)
    assert sub.post(f"/rfps/{rfp.id}/response", {"response": "pending"}).status_code == 200
    stored = load_rfp(factory, rfp.id)
    assert stored.status is status and stored.response is RfpResponse.PENDING
    assert factory.events(t.contractor.company.id, "rfp.status_changed") == []


def test_proposal_to_follow_stays_on_calculate_but_not_on_decline(factory, client):
    sub = signed_in(factory, client)
    rfp = tender(factory, [sub.setup]).rfp_for(sub.setup)
    edit_rfp(factory, rfp.id, status=RfpStatus.PROPOSAL_TO_FOLLOW)
    sub.post(f"/rfps/{rfp.id}/response", {"response": "calculate"})
    assert load_rfp(factory, rfp.id).status is RfpStatus.PROPOSAL_TO_FOLLOW
    sub.post(f"/rfps/{rfp.id}/response", {"response": "decline"})
    assert load_rfp(factory, rfp.id).status is RfpStatus.NOT_CALCULATING


def test_decline_while_a_proposal_stands_is_refused(factory, client):
    sub = signed_in(factory, client)
    rfp = tender(factory, [sub.setup]).rfp_for(sub.setup)
    proposal = add_proposal(factory, rfp.id)
    response = sub.post(f"/rfps/{rfp.id}/response", {"response": "decline"})
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "proposal_submitted" and body["proposalId"] == proposal.id
    assert "withdrawProposal" in body["detail"]
    assert load_rfp(factory, rfp.id).response is None


def test_an_internal_award_is_not_revealed_by_responding(factory, client):
    sub = signed_in(factory, client)
    rfp = tender(factory, [sub.setup]).rfp_for(sub.setup)
    edit_rfp(factory, rfp.id, status=RfpStatus.NOT_AWARDED, status_shared=False)
    response = sub.post(f"/rfps/{rfp.id}/response", {"response": "calculate"})
    assert response.status_code == 200
    assert response.json()["status"] is None and "awarded" not in response.text
    assert load_rfp(factory, rfp.id).status is RfpStatus.NOT_AWARDED


def test_deadline_boundary(factory, client, clock):
    sub = signed_in(factory, client)
    t = tender(factory, [sub.setup], deadline_in=timedelta(minutes=30))
    rfp = t.rfp_for(sub.setup)
    deadline = t.project.deadline_date
    clock.advance(30 * 60 - 1)
    assert sub.post(f"/rfps/{rfp.id}/response", {"response": "calculate"}).status_code == 200
    clock.advance(1)
    refused = sub.post(f"/rfps/{rfp.id}/response", {"response": "decline"})
    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "deadline_passed"
    assert body["deadline"] == unix(deadline)
    assert deadline.isoformat() in body["detail"] and str(unix(deadline)) in body["detail"]
    stored = load_rfp(factory, rfp.id)
    assert stored.response is RfpResponse.CALCULATE  # the refused call changed nothing
    assert len(factory.events(sub.company_id, "rfp.responded")) == 1


def test_refused_after_forwarding(factory, client):
    sub = signed_in(factory, client)
    partner = factory.company()
    rfp = tender(factory, [sub.setup]).rfp_for(sub.setup)
    assert sub.post(f"/rfps/{rfp.id}/forward",
                    {"partnerCompanyId": str(partner.company.id)}).status_code == 200
    response = sub.post(f"/rfps/{rfp.id}/response", {"response": "calculate"})
    assert response.status_code == 409 and response.json()["code"] == "rfp_forwarded"


def test_bad_input_names_the_parameter(factory, client):
    sub = signed_in(factory, client)
    rfp = tender(factory, [sub.setup]).rfp_for(sub.setup)
    response = sub.post(f"/rfps/{rfp.id}/response", {"response": "calculateX",
                                                      "note": "x" * 2001})
    assert response.status_code == 422
    problems = {e["parameter"]: e["problem"] for e in response.json()["errors"]}
    assert problems == {"response": "pattern", "note": "too_long"}
    missing = sub.post(f"/rfps/{rfp.id}/response", {})
    assert missing.json()["errors"][0] == {**missing.json()["errors"][0],
                                           "parameter": "response", "problem": "missing"}
    assert sub.post(f"/rfps/{rfp.id}/response", {"response": "calculate",
                                                 "note": "x" * 2000}).status_code == 200


def test_foreign_rfp_is_not_found_and_unchanged(factory, client):
    sub = signed_in(factory, client)
    other = factory.company()
    rfp = tender(factory, [other]).rfp_for(other)
    response = sub.post(f"/rfps/{rfp.id}/response", {"response": "decline"})
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert load_rfp(factory, rfp.id).response is None
    with factory.runtime.sessions() as s:
        assert s.get(Company, other.company.id) is not None
