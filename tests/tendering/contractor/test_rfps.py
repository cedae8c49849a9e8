"""inviteSubcontractor, getRfps and setRfpStatus (with the award flow) on both databases."""

from __future__ import annotations

from sqlalchemy import func, select

from bidbridge.models import (
    Company,
    CompanyKind,
    Contact,
    ContactType,
    Message,
    MessageDirection,
    Rfp,
)
from tests.factories import unique
from tests.tendering.contractor.helpers import assert_not_found, contractor


def test_invite_an_existing_subcontractor(factory, client):
    gc = contractor(factory, client)
    sub = factory.company()
    project = gc.project()
    wp = gc.workpackage(project["id"])
    response = gc.post(f"/workpackages/{wp['id']}/invitations", {"companyId": sub.company.id})
    assert response.status_code == 201, response.text
    body = response.json()
    rfp = body["rfp"]
    assert (body["companyCreated"], body["contactCreated"]) == (False, False)
    assert (rfp["workpackageId"], rfp["projectId"], rfp["company"]["id"], rfp["status"],
            rfp["statusShared"], rfp["response"]) == \
        (wp["id"], project["id"], sub.company.id, "unknown", False, None)
    # Each side sees the invitation in its own audit log.
    for company_id in (gc.company_id, sub.company.id):
        events = factory.events(company_id, "rfp.invited")
        assert [e.target_id for e in events] == [rfp["id"]]
        assert events[0].actor_name == gc.setup.api_user.name
    again = gc.post(f"/workpackages/{wp['id']}/invitations", {"companyId": sub.company.id})
    assert again.status_code == 409
    assert again.json()["code"] == "already_invited" and again.json()["rfpId"] == rfp["id"]


def test_invite_by_email_creates_company_and_other_contact(factory, client, runtime):
    gc = contractor(factory, client)
    wp = gc.workpackage(gc.project()["id"])
    email = f"{unique('new')}@example.test"
    name = unique("Schilders")
    response = gc.post(f"/workpackages/{wp['id']}/invitations",
                       {"companyName": name, "contactEmail": email.upper(),
                        "contactName": "Piet Schilder"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["companyCreated"] and body["contactCreated"]
    with runtime.sessions() as s:
        company = s.get(Company, body["rfp"]["company"]["id"])
        contact = s.scalar(select(Contact).where(Contact.email == email))
        assert company.kind == CompanyKind.SUBCONTRACTOR and company.name == name
        assert contact.company_id == company.id and contact.contact_type == ContactType.OTHER
        assert contact.password_hash is None and contact.name == "Piet Schilder"
        assert s.get(Rfp, body["rfp"]["id"]).invited_contact_id == contact.id
    # The same e-mail on another workpackage invites that same company.
    wp2 = gc.workpackage(gc.project()["id"])
    second = gc.post(f"/workpackages/{wp2['id']}/invitations",
                     {"companyName": "Another name", "contactEmail": email})
    assert second.status_code == 201
    assert second.json()["rfp"]["company"]["id"] == company.id
    assert not second.json()["companyCreated"]


def test_invite_errors_change_nothing(factory, client, runtime):
    gc = contractor(factory, client)
    other_gc = contractor(factory, client)
    wp = gc.workpackage(gc.project()["id"])
    path = f"/workpackages/{wp['id']}/invitations"
    sub = factory.company()
    both = gc.post(path, {"companyId": sub.company.id, "companyName": "x",
                          "contactEmail": "a@b.test"})
    assert both.status_code == 422 and both.json()["errors"][0]["parameter"] == "companyId"
    assert gc.post(path, {}).status_code == 422
    assert gc.post(path, {"companyName": "Only a name"}).status_code == 422
    assert gc.post(path, {"contactEmail": "not-an-email"}).status_code == 422
    # A contractor company is not a subcontractor: not found.
    assert_not_found(gc.post(path, {"companyId": other_gc.company_id}), "company")
    assert_not_found(gc.post(path, {"companyId": 999999999}), "company")
    beyond = gc.post(path, {"companyId": 10**17})  # beyond the id column
    assert beyond.status_code == 422 and beyond.json()["errors"][0]["parameter"] == "companyId"
    taken = gc.post(path, {"companyName": "x", "contactEmail": other_gc.setup.admin.email})
    assert taken.status_code == 409 and taken.json()["code"] == "contact_email_unavailable"
    # Another contractor's workpackage does not exist for us.
    other_wp = other_gc.workpackage(other_gc.project()["id"])
    assert_not_found(gc.post(f"/workpackages/{other_wp['id']}/invitations",
                             {"companyId": sub.company.id}), "workpackage")
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Rfp).where(
            Rfp.workpackage_id.in_([wp["id"], other_wp["id"]]))) == 0


def _award_setup(factory, gc, subs: int):
    wp = gc.workpackage(gc.project()["id"])
    companies = [factory.company() for _ in range(subs)]
    rfps = [gc.invite(wp["id"], c.company.id) for c in companies]
    return wp, rfps


def test_set_status_and_shared_flag(factory, client, clock):
    gc = contractor(factory, client)
    _, (rfp,) = _award_setup(factory, gc, 1)
    clock.advance(5)
    response = gc.post(f"/rfps/{rfp['id']}/status", {"status": "within_budget", "shared": "1"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["changed"] is True
    assert (body["rfp"]["status"], body["rfp"]["statusShared"]) == ("within_budget", True)
    assert body["rfp"]["updatedAt"] == rfp["updatedAt"] + 5
    event = factory.events(gc.company_id, "rfp.status_changed")[-1]
    assert event.data == {"from": "unknown", "to": "within_budget", "shared": True}
    # Only the shared flag: the status stays.
    hidden = gc.post(f"/rfps/{rfp['id']}/status", {"shared": "0"}).json()
    assert (hidden["rfp"]["status"], hidden["rfp"]["statusShared"]) == ("within_budget", False)
    same = gc.post(f"/rfps/{rfp['id']}/status", {"shared": "0"}).json()
    assert same["changed"] is False
    assert len(factory.events(gc.company_id, "rfp.status_changed")) == 2


def test_set_status_errors(factory, client):
    gc = contractor(factory, client)
    other = contractor(factory, client)
    _, (rfp,) = _award_setup(factory, gc, 1)
    for params, name in [({"status": "awardedXYZ"}, "status"), ({"shared": "2"}, "shared"),
                         ({}, "status"), ({"status": "pending", "awardOthers": "1"},
                                          "awardOthers")]:
        response = gc.post(f"/rfps/{rfp['id']}/status", params)
        assert response.status_code == 422, params
        assert response.json()["errors"][0]["parameter"] == name
    assert_not_found(other.post(f"/rfps/{rfp['id']}/status", {"status": "awarded"}), "rfp")
    assert gc.post("/rfps", {}).json()["rfps"][0]["status"] == "unknown"


def test_award_offers_the_siblings_without_changing_them(factory, client, runtime):
    gc = contractor(factory, client)
    _, rfps = _award_setup(factory, gc, 3)
    response = gc.post(f"/rfps/{rfps[0]['id']}/status", {"status": "awarded", "shared": "1"})
    body = response.json()
    assert body["rfp"]["status"] == "awarded"
    assert [o["rfpId"] for o in body["offers"]] == [rfps[1]["id"], rfps[2]["id"]]
    assert body["notAwarded"] == []
    statuses = {r["id"]: r["status"] for r in gc.post("/rfps", {}).json()["rfps"]}
    assert statuses == {rfps[0]["id"]: "awarded", rfps[1]["id"]: "unknown",
                        rfps[2]["id"]: "unknown"}
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Message).where(
            Message.rfp_id.in_([r["id"] for r in rfps]))) == 0


def test_award_others_sets_siblings_not_awarded_and_thanks_them(factory, client, runtime, clock):
    gc = contractor(factory, client)
    _, rfps = _award_setup(factory, gc, 3)
    gc.post(f"/rfps/{rfps[2]['id']}/status", {"status": "not_awarded"})
    clock.advance(30)
    body = gc.post(f"/rfps/{rfps[0]['id']}/status",
                   {"status": "awarded", "awardOthers": "1"}).json()
    # The one already not awarded is neither changed again nor thanked twice.
    assert [o["rfpId"] for o in body["notAwarded"]] == [rfps[1]["id"]]
    assert body["offers"] == []
    listed = {r["id"]: r for r in gc.post("/rfps", {}).json()["rfps"]}
    assert listed[rfps[1]["id"]]["status"] == "not_awarded"
    assert listed[rfps[1]["id"]]["updatedAt"] == rfps[1]["updatedAt"] + 30
    with runtime.sessions() as s:
        messages = s.scalars(select(Message).where(
            Message.rfp_id.in_([r["id"] for r in rfps]))).all()
    assert [(m.rfp_id, m.direction) for m in messages] == \
        [(rfps[1]["id"], MessageDirection.TO_SUBCONTRACTOR)]
    assert "awarded this workpackage to another party" in messages[0].text
    thread = gc.get(f"/rfps/{rfps[1]['id']}/messages").json()
    assert [m["id"] for m in thread] == [messages[0].id]
    changes = factory.events(gc.company_id, "rfp.status_changed")
    assert [(e.target_id, e.data["to"]) for e in changes][-2:] == \
        [(rfps[0]["id"], "awarded"), (rfps[1]["id"], "not_awarded")]
    assert changes[-1].data["awardedRfpId"] == rfps[0]["id"]


def test_get_rfps_filters_pages_and_isolates(factory, client, clock):
    gc = contractor(factory, client)
    other = contractor(factory, client)
    wp1, rfps1 = _award_setup(factory, gc, 2)
    clock.advance(1)
    wp2, rfps2 = _award_setup(factory, gc, 1)
    all_ids = [r["id"] for r in rfps1 + rfps2]
    page1 = gc.post("/rfps", {"limit": "2"}).json()
    page2 = gc.post("/rfps", {"limit": "2", "cursor": page1["nextCursor"]}).json()
    assert [r["id"] for r in page1["rfps"] + page2["rfps"]] == all_ids
    assert page2["nextCursor"] is None
    by_wp = gc.post("/rfps", {"workpackageId": wp2["id"]}).json()["rfps"]
    assert [r["id"] for r in by_wp] == [rfps2[0]["id"]]
    by_project = gc.post("/rfps", {"projectId": wp1["projectId"]}).json()["rfps"]
    assert [r["id"] for r in by_project] == [r["id"] for r in rfps1]
    gc.post(f"/rfps/{rfps1[1]['id']}/status", {"status": "calculating"})
    calculating = gc.post("/rfps", {"status": "calculating"}).json()["rfps"]
    assert [r["id"] for r in calculating] == [rfps1[1]["id"]]
    assert other.post("/rfps", {}).json()["rfps"] == []
    assert_not_found(other.post("/rfps", {"workpackageId": wp1["id"]}), "workpackage")
    assert_not_found(other.post("/rfps", {"projectId": wp1["projectId"]}), "project")
