"""Answers that would tell a company who its competitors are, or whom another company employs."""

from __future__ import annotations

from sqlalchemy import func, select

from bidbridge.models import CompanyKind, Contact, Rfp
from tests.tendering.contractor.helpers import contractor
from tests.tendering.sub.support import load_rfp, signed_in
from tests.tendering_factory import tender


def test_forwarding_to_a_partner_that_already_bids_reads_like_any_forward(factory, client):
    sub = signed_in(factory, client)
    competitor, outsider = factory.company(), factory.company()
    t = tender(factory, [sub.setup, competitor])
    other_sub = signed_in(factory, client)
    t2 = tender(factory, [other_sub.setup])
    theirs_before = load_rfp(factory, t.rfp_for(competitor).id)

    to_competitor = sub.post(f"/rfps/{t.rfp_for(sub.setup).id}/forward",
                             {"partnerCompanyId": str(competitor.company.id)})
    to_outsider = other_sub.post(f"/rfps/{t2.rfp_for(other_sub.setup).id}/forward",
                                 {"partnerCompanyId": str(outsider.company.id)})
    assert to_competitor.status_code == to_outsider.status_code == 200, to_competitor.text
    assert set(to_competitor.json()) == set(to_outsider.json())
    assert "already" not in to_competitor.text
    ours = load_rfp(factory, t.rfp_for(sub.setup).id)
    assert ours.forwarded_to_company_id == competitor.company.id
    # The competitor's own RFP is untouched, and it gets no second one.
    theirs = load_rfp(factory, theirs_before.id)
    assert theirs.forwarded_from_rfp_id is None and theirs.updated_at == theirs_before.updated_at
    with factory.runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Rfp).where(
            Rfp.company_id == competitor.company.id)) == 1
    [ours_event] = factory.events(sub.company_id, "rfp.forwarded")
    [theirs_event] = factory.events(other_sub.company_id, "rfp.forwarded")
    assert set(ours_event.data) == set(theirs_event.data)


def test_inviting_a_contractors_address_does_not_name_or_classify_it(factory, client):
    gc = contractor(factory, client)
    other_gc = factory.company(CompanyKind.CONTRACTOR)
    wp = gc.workpackage(gc.project()["id"])
    address = other_gc.admin.email
    response = gc.post(f"/workpackages/{wp['id']}/invitations",
                       {"companyName": "Some name", "contactEmail": address.upper()})
    assert response.status_code == 409, response.text
    body = response.text.lower()
    assert address not in body and "contractor" not in body
    assert other_gc.company.name.lower() not in body
    assert response.json()["code"] == "contact_email_unavailable"


def test_inviting_a_support_accounts_address_creates_nothing_and_keeps_its_login(factory, client):
    from tests.web.helpers import logged_in

    support = factory.support_user()
    gc = contractor(factory, client)
    wp = gc.workpackage(gc.project()["id"])
    response = gc.post(f"/workpackages/{wp['id']}/invitations",
                       {"companyName": "Lockout B.V.", "contactEmail": support.email.upper()})
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "contact_email_unavailable"
    assert support.email not in response.text.lower()
    with factory.runtime.sessions() as s:
        assert s.scalar(select(Contact).where(func.lower(Contact.email) == support.email)) is None
    logged_in(client, support.email)
    assert client.get("/support").status_code == 200
