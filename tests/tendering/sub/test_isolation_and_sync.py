"""Every function answers 404 for another company's ids and changes nothing; updatedAt moves
whenever something under an RFP changes, so getRfps with updatedSince sees it."""

import pytest
from sqlalchemy import select

from bidbridge.clock import unix
from bidbridge.models import Document
from tests.tendering.sub.support import contractor_message, signed_in
from tests.tendering_factory import tender

CALLS = {
    "getRfp": ("GET", "/rfps/{rfp}", None),
    "respondToRfp": ("POST", "/rfps/{rfp}/response", {"response": "decline"}),
    "getDocuments": ("GET", "/rfps/{rfp}/documents", None),
    "getDocument": ("GET", "/documents/{doc}", None),
    "getDocumentVersion": ("GET", "/documents/{doc}/versions/1", None),
    "getMessageAttachment": ("GET", "/documents/{attachment}", None),
    "getMessages": ("GET", "/rfps/{rfp}/messages", None),
    "sendMessage": ("POST", "/rfps/{rfp}/messages", {"text": "Hallo"}),
    "forwardRfp": ("POST", "/rfps/{rfp}/forward", {"partnerCompanyId": "{partner}"}),
    "getRfps": ("POST", "/rfps", {"projectId": "{project}"}),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_other_companys_ids_are_not_found(factory, client, name):
    sub = signed_in(factory, client)
    other, partner = factory.company(), factory.company()
    t = tender(factory, [other])
    rfp = t.rfp_for(other)
    msg = contractor_message(factory, rfp, "Alleen voor de ander",
                             attachment=("geheim.pdf", b"%PDF secret"))
    with factory.runtime.sessions() as s:
        attachment = s.scalar(select(Document.id).where(Document.message_id == msg.id))
    ids = {"rfp": rfp.id, "doc": t.documents[0].id, "attachment": attachment,
           "partner": partner.company.id, "project": t.project.id}
    method, path, data = CALLS[name]
    path = path.format(**ids)
    if data is not None:
        data = {k: v.format(**ids) for k, v in data.items()}
    before = len(factory.events(sub.company_id)), len(factory.events(other.company.id))
    response = sub.get(path) if method == "GET" else sub.post(path, data)
    assert response.status_code == 404, response.text
    body = response.json()
    assert body["code"] == "not_found"
    for secret in (t.project.name, t.workpackage.name, "geheim", "Alleen voor de ander",
                   other.company.name):
        assert secret not in response.text
    assert (len(factory.events(sub.company_id)), len(factory.events(other.company.id))) == before


def _updated(sub, rfp_id):
    return sub.get(f"/rfps/{rfp_id}").json()["updatedAt"]


def test_updated_at_moves_on_nested_changes(factory, client, clock):
    sub = signed_in(factory, client)
    rfp = tender(factory, [sub.setup]).rfp_for(sub.setup)
    other = tender(factory, [sub.setup]).rfp_for(sub.setup)
    start = _updated(sub, rfp.id)

    def changed_since(mark):
        listed = sub.post("/rfps", {"updatedSince": str(mark)}).json()["rfps"]
        return [i["rfpId"] for i in listed]

    clock.advance(10)
    mark = unix(clock.now())
    sub.post(f"/rfps/{rfp.id}/response", {"response": "calculate"})
    assert _updated(sub, rfp.id) == mark > start
    assert changed_since(mark) == [rfp.id]

    clock.advance(10)
    mark = unix(clock.now())
    sub.post(f"/rfps/{other.id}/messages", {"text": "Vraag"})
    assert _updated(sub, other.id) == mark
    assert changed_since(mark) == [other.id]

    clock.advance(10)
    mark = unix(clock.now())
    sub.post(f"/rfps/{rfp.id}/messages", {"text": "Offerte"},
             files=[("attachments", ("offerte.pdf", b"%PDF-1.4 x", "application/pdf"))])
    assert _updated(sub, rfp.id) == mark
    assert changed_since(mark) == [rfp.id]
    # Reading changes nothing.
    clock.advance(10)
    sub.get(f"/rfps/{rfp.id}/messages")
    sub.get(f"/rfps/{rfp.id}/documents")
    assert changed_since(unix(clock.now())) == []


def test_ids_beyond_the_id_columns_are_refused_by_name_with_the_range(factory, client):
    sub = signed_in(factory, client)
    t = tender(factory, [sub.setup])
    rfp = t.rfp_for(sub.setup)
    for huge in ("2147483648", "999999999999999999", "9" * 30):
        calls = [
            ("rfpId", sub.get(f"/rfps/{huge}")),
            ("rfpId", sub.post(f"/rfps/{huge}/response", {"response": "pending"})),
            ("documentId", sub.get(f"/documents/{huge}")),
            ("version", sub.get(f"/documents/{t.documents[0].id}/versions/{huge}")),
            ("projectId", sub.post("/rfps", {"projectId": huge})),
            ("partnerCompanyId", sub.post(f"/rfps/{rfp.id}/forward",
                                          {"partnerCompanyId": huge})),
        ]
        for name, response in calls:
            assert response.status_code == 422, (name, response.text)
            body = response.json()
            assert body["code"] == "invalid_parameters"
            [error] = body["errors"]
            assert (error["parameter"], error["problem"]) == (name, "pattern")
            assert (error["minimum"], error["maximum"]) == (1, 2147483647)
            assert "from 1 to 2147483647" in error["message"]
    # The largest id is a valid one: simply not found.
    response = sub.get("/rfps/2147483647")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
