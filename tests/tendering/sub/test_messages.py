import hashlib
from datetime import timedelta

from sqlalchemy import func, select

from bidbridge.clock import unix
from bidbridge.models import Document, Message
from tests.tendering.sub.support import contractor_message, load_rfp, signed_in
from tests.tendering_factory import pdf_bytes, tender


def test_thread_in_both_directions_with_attachments(factory, client, clock):
    sub = signed_in(factory, client)
    t = tender(factory, [sub.setup])
    rfp = t.rfp_for(sub.setup)
    question = pdf_bytes("vraag")
    contractor_message(factory, rfp, "Graag uw prijs", attachment=("nota.pdf", question))
    clock.advance(10)
    sent = sub.post(f"/rfps/{rfp.id}/messages", {"text": "Is de steen inbegrepen?"},
                    files=[("attachments", ("offerte.pdf", b"%PDF-1.4 ours", "application/pdf")),
                           ("attachments", ("foto.JPG", b"\xff\xd8\xff jpeg", "image/jpeg"))])
    assert sent.status_code == 201, sent.text
    body = sent.json()
    assert body["direction"] == "to_contractor" and body["text"] == "Is de steen inbegrepen?"
    assert body["authorName"] == sub.setup.api_user.name
    assert body["authorCompanyName"] == sub.setup.company.name
    assert body["sentAt"] == unix(clock.now())
    names = [(a["name"], a["contentType"], a["size"]) for a in body["attachments"]]
    assert names == [("offerte.pdf", "application/pdf", 13), ("foto.JPG", "image/jpeg", 8)]
    ours = body["attachments"][0]
    assert ours["sha256"] == hashlib.sha256(b"%PDF-1.4 ours").hexdigest()
    assert sub.get(ours["downloadPath"].removeprefix("/rest/subcontractor/v1")).content == \
        b"%PDF-1.4 ours"

    thread = sub.get(f"/rfps/{rfp.id}/messages").json()
    assert thread["rfpId"] == rfp.id
    first, second = thread["messages"]
    assert first["direction"] == "to_subcontractor" and first["text"] == "Graag uw prijs"
    assert first["authorCompanyName"] == t.contractor.company.name
    [attachment] = first["attachments"]
    assert attachment["name"] == "nota.pdf"
    # An attachment the contractor sent us can be downloaded.
    path = attachment["downloadPath"].removeprefix("/rest/subcontractor/v1")
    assert sub.get(path).content == question
    assert second["messageId"] == body["messageId"] and len(second["attachments"]) == 2

    [event] = factory.events(sub.company_id, "message.sent")
    assert event.actor_name == sub.setup.api_user.name
    assert event.data["rfpId"] == rfp.id and len(event.data["attachments"]) == 2
    assert unix(load_rfp(factory, rfp.id).updated_at) == unix(clock.now())
    assert sub.get(f"/rfps/{rfp.id}").json()["counts"]["messages"] == 2


def test_a_refused_attachment_stores_nothing(factory, client):
    sub = signed_in(factory, client)
    rfp = tender(factory, [sub.setup]).rfp_for(sub.setup)
    response = sub.post(f"/rfps/{rfp.id}/messages", {"text": "Zie bijlage"},
                        files=[("attachments", ("ok.pdf", b"%PDF", "application/pdf")),
                               ("attachments", ("virus.exe", b"MZ", "application/octet-stream"))])
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["parameter"] == "attachments" and "virus.exe" in response.json()["detail"]
    with factory.runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Message)
                        .where(Message.rfp_id == rfp.id)) == 0
        assert s.scalar(select(func.count()).select_from(Document)
                        .where(Document.company_id == sub.company_id)) == 0
    assert factory.events(sub.company_id, "message.sent") == []


def test_too_large_attachment_is_refused(factory, client, runtime):
    runtime.settings.max_upload_bytes = 1000
    sub = signed_in(factory, client)
    rfp = tender(factory, [sub.setup]).rfp_for(sub.setup)
    response = sub.post(f"/rfps/{rfp.id}/messages", {"text": "Groot"},
                        files=[("attachments", ("big.pdf", b"x" * 5000, "application/pdf"))])
    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    assert sub.get(f"/rfps/{rfp.id}/messages").json()["messages"] == []


def test_messages_after_the_deadline_but_not_after_forwarding(factory, client, clock):
    sub = signed_in(factory, client)
    partner = factory.company()
    rfp = tender(factory, [sub.setup], deadline_in=timedelta(minutes=5)).rfp_for(sub.setup)
    clock.advance(600)
    late = sub.post(f"/rfps/{rfp.id}/messages", {"text": "Nog een vraag na de sluiting"})
    assert late.status_code == 201
    rfp2 = tender(factory, [sub.setup]).rfp_for(sub.setup)
    sub.post(f"/rfps/{rfp2.id}/forward", {"partnerCompanyId": str(partner.company.id)})
    refused = sub.post(f"/rfps/{rfp2.id}/messages", {"text": "Hallo"})
    assert refused.status_code == 409 and refused.json()["code"] == "rfp_forwarded"


def test_text_is_checked(factory, client):
    sub = signed_in(factory, client)
    rfp = tender(factory, [sub.setup]).rfp_for(sub.setup)
    for text, problem in (("   ", "pattern"), ("x" * 10001, "too_long"), ("a\x00b", "pattern")):
        response = sub.post(f"/rfps/{rfp.id}/messages", {"text": text})
        assert response.status_code == 422
        assert response.json()["errors"][0]["problem"] == problem
    missing = sub.post(f"/rfps/{rfp.id}/messages", {})
    assert missing.json()["errors"][0]["problem"] == "missing"
    ok = sub.post(f"/rfps/{rfp.id}/messages", {"text": "Regel 1\r\nRegel 2\tmet tab"})
    assert ok.status_code == 201 and ok.json()["text"] == "Regel 1\r\nRegel 2\tmet tab"
    assert sub.post(f"/rfps/{rfp.id}/messages", {"text": "x" * 10000}).status_code == 201


def test_foreign_thread_is_not_found(factory, client):
    sub = signed_in(factory, client)
    other = factory.company()
    rfp = tender(factory, [other]).rfp_for(other)
    contractor_message(factory, rfp, "Vertrouwelijk")
    for response in (sub.get(f"/rfps/{rfp.id}/messages"),
                     sub.post(f"/rfps/{rfp.id}/messages", {"text": "Hallo"})):
        assert response.status_code == 404 and "Vertrouwelijk" not in response.text
    with factory.runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Message)
                        .where(Message.rfp_id == rfp.id)) == 1
