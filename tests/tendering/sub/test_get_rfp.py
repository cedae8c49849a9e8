from datetime import timedelta

from sqlalchemy import update

from bidbridge.clock import unix
from bidbridge.models import Contact, ContactType, RfpResponse, RfpStatus
from bidbridge.wire.subcontractor.rfps import RfpOut
from tests.factories import get_token
from tests.tendering.sub.support import (
    Sub,
    add_proposal,
    contractor_message,
    edit_rfp,
    signed_in,
)
from tests.tendering_factory import tender


def test_full_view_of_one_rfp(factory, client, clock):
    sub = signed_in(factory, client)
    t = tender(factory, [sub.setup], lines=3, document_count=2,
               workpackage_deadline_in=timedelta(days=7))
    visible = factory.contact(t.contractor.company, contact_type=ContactType.VISIBLE)
    factory.contact(t.contractor.company, contact_type=ContactType.HIDDEN)
    rfp = t.rfp_for(sub.setup)
    contractor_message(factory, rfp, "Welkom")
    response = sub.get(f"/rfps/{rfp.id}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["rfpId"] == rfp.id
    project = body["project"]
    assert project["id"] == t.project.id and project["name"] == t.project.name
    assert project["phaseId"] == 1 and project["city"] == "Utrecht"
    assert project["countryCode"] == "NL" and project["reason"] == "prijsopgave"
    assert project["buildingSectors"] == ["Bouw", "Utiliteitsbouw"]
    assert project["classificationSystems"] == []
    assert project["deadlineDate"] == unix(t.project.deadline_date)
    for key in ("address_1", "address_2", "zip", "inkoper", "werkvoorbereider", "plannedStart",
                "questionsDate", "questionsTime", "updateDate", "updateTime", "tenderDate",
                "inspectionDate", "calcNumber", "workNumber", "client", "manager", "architect",
                "constructor", "calculator", "plannedComplete", "status"):
        assert key in project
    contractor = body["contractor"]
    assert contractor["name"] == t.contractor.company.name
    # Only visible contacts; the factory's admin is visible too, the hidden one is not shown.
    emails = [c["email"] for c in contractor["contacts"]]
    assert visible.email in emails and t.contractor.admin.email in emails
    assert len(emails) == 2
    assert body["workpackage"] == {"id": t.workpackage.id, "code": "22",
                                   "name": t.workpackage.name,
                                   "description": "Gevelmetselwerk incl. voegen"}
    deadlines = body["deadlines"]
    assert deadlines["proposal"] == unix(clock.now() + timedelta(days=7))  # the workpackage's
    assert deadlines["project"] == unix(clock.now() + timedelta(days=14))
    assert deadlines["passed"] is False
    assert body["status"] is None and body["statusShared"] is False
    assert body["response"] == {"response": None, "note": None, "respondedAt": None,
                                "respondedBy": None}
    assert body["counts"] == {"documents": 2, "budgetLines": 3, "messages": 1}
    assert body["currentProposal"] is None
    assert body["forwarding"]["forwardedToCompanyId"] is None
    assert body["updatedAt"] == unix(rfp.updated_at)


def test_shared_status_and_current_proposal(factory, client):
    sub = signed_in(factory, client)
    rfp = tender(factory, [sub.setup]).rfp_for(sub.setup)
    add_proposal(factory, rfp.id)
    edit_rfp(factory, rfp.id, status=RfpStatus.WITHIN_BUDGET, status_shared=True)
    body = sub.get(f"/rfps/{rfp.id}").json()
    assert body["status"] == "within_budget" and body["statusShared"] is True
    assert body["currentProposal"]["version"] == 1
    assert body["currentProposal"]["totalAmount"] == "1234.50"
    assert body["currentProposal"]["currency"] == "EUR"
    edit_rfp(factory, rfp.id, status_shared=False)
    hidden = sub.get(f"/rfps/{rfp.id}").json()
    assert hidden["status"] is None and "within_budget" not in str(hidden)


def test_deadline_passed_flag_follows_the_clock(factory, client, clock):
    sub = signed_in(factory, client)
    rfp = tender(factory, [sub.setup], deadline_in=timedelta(minutes=10)).rfp_for(sub.setup)
    clock.advance(599)
    assert sub.get(f"/rfps/{rfp.id}").json()["deadlines"]["passed"] is False
    clock.advance(1)  # at the deadline itself it has passed
    assert sub.get(f"/rfps/{rfp.id}").json()["deadlines"]["passed"] is True


def test_unknown_and_foreign_rfp_are_not_found(factory, client):
    sub = signed_in(factory, client)
    foreign = tender(factory, [factory.company()])
    foreign_rfp = next(iter(foreign.rfps.values()))
    for rfp_id in (foreign_rfp.id, 999999999):
        response = sub.get(f"/rfps/{rfp_id}")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        assert foreign.project.name not in response.text
    assert sub.get("/rfps/0").status_code == 422


def test_the_contractors_contacts_are_the_visible_active_ones_in_id_order(factory, client):
    """They ride in the RFP's own row as JSON (services/rfps.py): names with quotes, backslashes
    and accents come back as written, a missing phone as null, and the order is the contacts'
    ids even where the database hands the rows over in another (a row whose company changed
    twice sits last in PostgreSQL's index of contacts by company)."""
    sub = signed_in(factory, client)
    t = tender(factory, [sub.setup])
    company = t.contractor.company
    first = factory.contact(company)
    second = factory.contact(company)
    factory.contact(company, contact_type=ContactType.HIDDEN)
    inactive = factory.contact(company)
    with factory.runtime.engine.begin() as conn:
        conn.execute(update(Contact).where(Contact.id == first.id).values(
            name='Jürgen "JJ" van \\ Dijk', phone="+31 30 123 45 67"))
        conn.execute(update(Contact).where(Contact.id == second.id).values(phone=None))
        for moved_to in (sub.setup.company.id, company.id):
            conn.execute(update(Contact).where(Contact.id == first.id)
                         .values(company_id=moved_to))
        conn.execute(update(Contact).where(Contact.id == inactive.id).values(active=False))
    rfp = t.rfp_for(sub.setup)
    contacts = sub.get(f"/rfps/{rfp.id}").json()["contractor"]["contacts"]
    admin = t.contractor.admin
    assert [c["email"] for c in contacts] == [admin.email, first.email, second.email]
    assert contacts[1] == {"name": 'Jürgen "JJ" van \\ Dijk', "email": first.email,
                           "phone": "+31 30 123 45 67"}
    assert contacts[2]["phone"] is None
    with factory.runtime.engine.begin() as conn:  # none visible and active: an empty list
        conn.execute(update(Contact).where(Contact.company_id == company.id)
                     .values(active=False))
    assert sub.get(f"/rfps/{rfp.id}").json()["contractor"]["contacts"] == []


def test_the_answer_is_an_rfp_out_byte_for_byte_in_every_state(factory, client, clock):
    """getRfp writes its JSON without building the models (rfp_models.rfp_answer): in each state
    an RFP can be in — bare, priced, responded, shared, decided, forwarded either way, accented
    text — the body reads through RfpOut and writes back to the same bytes (no missing, extra,
    renamed or reordered field, no value of the wrong type)."""
    sub = signed_in(factory, client)
    partner_setup = factory.company()
    partner = Sub(partner_setup, client, get_token(client, partner_setup))
    t = tender(factory, [sub.setup], lines=2, document_count=1,
               workpackage_deadline_in=timedelta(days=3))
    rfp = t.rfp_for(sub.setup)
    bodies = []

    def answer(who: Sub, rfp_id: int) -> None:
        response = who.get(f"/rfps/{rfp_id}")
        assert response.status_code == 200, response.text
        assert RfpOut.model_validate_json(response.content).model_dump_json().encode() \
            == response.content
        bodies.append(response.json())

    answer(sub, rfp.id)
    add_proposal(factory, rfp.id)
    edit_rfp(factory, rfp.id, status=RfpStatus.WITHIN_BUDGET, status_shared=True,
             response=RfpResponse.CALCULATE, response_note="Wij rekenen – zeker één keer",
             responded_at=clock.now(), responded_by_name="Åsa Ørsted")
    answer(sub, rfp.id)
    edit_rfp(factory, rfp.id, outcome="not_awarded", outcome_reason="Te duur", outcome_rank=2,
             outcome_at=clock.now())
    answer(sub, rfp.id)
    other = tender(factory, [sub.setup]).rfp_for(sub.setup)
    assert sub.post(f"/rfps/{other.id}/forward",
                    {"partnerCompanyId": str(partner.company_id),
                     "message": "Kunnen jullie dit \"oppakken\"?"}).status_code == 200
    answer(sub, other.id)
    [theirs] = partner.post("/rfps").json()["rfps"]
    answer(partner, theirs["rfpId"])
    bare, priced, decided, forwarded, received = bodies
    assert bare["currentProposal"] is None and bare["outcome"] is None
    assert priced["currentProposal"]["totalAmount"] == "1234.50"
    assert priced["response"]["note"] == "Wij rekenen – zeker één keer"
    assert decided["outcome"] == {"outcome": "not_awarded", "reason": "Te duur", "rank": 2,
                                  "decidedAt": unix(clock.now())}
    assert forwarded["forwarding"]["forwardedToCompanyId"] == partner.company_id
    assert received["forwarding"]["forwardedFromMessage"] == "Kunnen jullie dit \"oppakken\"?"
