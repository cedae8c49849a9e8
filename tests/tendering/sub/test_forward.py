from datetime import timedelta

from sqlalchemy import func, select

from bidbridge.clock import unix
from bidbridge.models import CompanyKind, Rfp, RfpResponse, RfpStatus
from tests.factories import get_token
from tests.tendering.sub.support import Sub, add_proposal, edit_rfp, load_rfp, signed_in
from tests.tendering_factory import tender


def test_forward_hands_the_rfp_to_the_partner(factory, client, clock):
    sub = signed_in(factory, client)
    partner_setup = factory.company()
    partner = Sub(partner_setup, client, get_token(client, partner_setup))
    t = tender(factory, [sub.setup])
    rfp = t.rfp_for(sub.setup)
    edit_rfp(factory, rfp.id, status=RfpStatus.CALCULATING, status_shared=True)
    clock.advance(20)
    response = sub.post(f"/rfps/{rfp.id}/forward",
                        {"partnerCompanyId": str(partner.company_id),
                         "message": "Kunnen jullie dit oppakken?"})
    assert response.status_code == 200, response.text
    now = unix(clock.now())
    assert response.json() == {"rfpId": rfp.id, "partnerCompanyId": partner.company_id,
                               "partnerCompanyName": partner_setup.company.name,
                               "forwardedAt": now, "response": "decline", "updatedAt": now}
    ours = load_rfp(factory, rfp.id)
    assert ours.status is RfpStatus.NOT_CALCULATING and ours.response is RfpResponse.DECLINE
    assert ours.forwarded_to_company_id == partner.company_id
    view = sub.get(f"/rfps/{rfp.id}").json()
    assert view["forwarding"]["forwardedToCompanyName"] == partner_setup.company.name
    assert view["forwarding"]["forwardedAt"] == now and view["status"] == "not_calculating"

    [theirs] = partner.post("/rfps").json()["rfps"]
    assert theirs["rfpId"] == ours.forwarded_rfp_id != rfp.id
    assert theirs["workpackageId"] == t.workpackage.id and theirs["status"] is None
    assert theirs["updatedAt"] == now
    stored = load_rfp(factory, theirs["rfpId"])
    assert stored.status is RfpStatus.UNKNOWN and stored.forwarded_from_rfp_id == rfp.id
    assert stored.contractor_company_id == t.contractor.company.id
    partner_view = partner.get(f"/rfps/{theirs['rfpId']}").json()
    assert partner_view["forwarding"]["forwardedFromCompanyName"] == sub.setup.company.name
    assert partner_view["forwarding"]["forwardedFromMessage"] == "Kunnen jullie dit oppakken?"
    assert partner_view["counts"]["documents"] == 2  # the tender documents come along
    # The partner can act on its own RFP; we cannot on ours.
    assert partner.post(f"/rfps/{theirs['rfpId']}/response",
                        {"response": "calculate"}).status_code == 200

    [forwarded] = factory.events(sub.company_id, "rfp.forwarded")
    assert forwarded.actor_name == sub.setup.api_user.name
    assert forwarded.data["partnerCompanyId"] == partner.company_id
    [invited] = factory.events(partner.company_id, "rfp.invited")
    assert invited.target_id == theirs["rfpId"]
    assert invited.data["forwardedByCompanyName"] == sub.setup.company.name
    changes = factory.events(t.contractor.company.id, "rfp.status_changed")
    [change] = [c for c in changes if c.target_id == rfp.id]
    assert change.data == {"from": "calculating", "to": "not_calculating", "cause": "forwarded",
                           "subcontractorCompanyId": sub.company_id}


def test_forwarding_happens_once(factory, client):
    sub = signed_in(factory, client)
    first, second = factory.company(), factory.company()
    rfp = tender(factory, [sub.setup]).rfp_for(sub.setup)
    assert sub.post(f"/rfps/{rfp.id}/forward",
                    {"partnerCompanyId": str(first.company.id)}).status_code == 200
    again = sub.post(f"/rfps/{rfp.id}/forward", {"partnerCompanyId": str(second.company.id)})
    assert again.status_code == 409
    assert again.json()["code"] == "already_forwarded"
    assert again.json()["forwardedTo"] == first.company.id
    with factory.runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Rfp)
                        .where(Rfp.company_id == second.company.id)) == 0


def test_partner_must_be_another_existing_subcontractor(factory, client):
    sub = signed_in(factory, client)
    contractor = factory.company(CompanyKind.CONTRACTOR)
    rfp = tender(factory, [sub.setup]).rfp_for(sub.setup)
    unknown = sub.post(f"/rfps/{rfp.id}/forward", {"partnerCompanyId": "999999999"})
    assert unknown.status_code == 404
    assert unknown.json()["resource"] == "company"
    assert unknown.json()["parameter"] == "partnerCompanyId"
    own = sub.post(f"/rfps/{rfp.id}/forward", {"partnerCompanyId": str(sub.company_id)})
    assert own.status_code == 422 and own.json()["errors"][0]["problem"] == "own_company"
    gc = sub.post(f"/rfps/{rfp.id}/forward", {"partnerCompanyId": str(contractor.company.id)})
    assert gc.status_code == 422
    assert gc.json()["errors"][0]["problem"] == "not_a_subcontractor"
    assert sub.post(f"/rfps/{rfp.id}/forward", {}).status_code == 422
    assert load_rfp(factory, rfp.id).forwarded_to_company_id is None


def test_forwarding_is_refused_after_the_deadline(factory, client, clock):
    sub = signed_in(factory, client)
    partner = factory.company()
    rfp = tender(factory, [sub.setup], deadline_in=timedelta(minutes=1)).rfp_for(sub.setup)
    clock.advance(60)
    response = sub.post(f"/rfps/{rfp.id}/forward", {"partnerCompanyId": str(partner.company.id)})
    assert response.status_code == 409 and response.json()["code"] == "deadline_passed"
    assert load_rfp(factory, rfp.id).forwarded_to_company_id is None


def test_forwarding_with_a_standing_proposal_is_refused(factory, client):
    sub = signed_in(factory, client)
    partner = factory.company()
    rfp = tender(factory, [sub.setup]).rfp_for(sub.setup)
    add_proposal(factory, rfp.id)
    response = sub.post(f"/rfps/{rfp.id}/forward", {"partnerCompanyId": str(partner.company.id)})
    assert response.status_code == 409 and response.json()["code"] == "proposal_submitted"


def test_forwarding_a_foreign_rfp_is_not_found(factory, client):
    sub = signed_in(factory, client)
    other, partner = factory.company(), factory.company()
    rfp = tender(factory, [other]).rfp_for(other)
    response = sub.post(f"/rfps/{rfp.id}/forward", {"partnerCompanyId": str(partner.company.id)})
    assert response.status_code == 404 and response.json()["resource"] == "rfp"
    assert load_rfp(factory, rfp.id).forwarded_to_company_id is None
