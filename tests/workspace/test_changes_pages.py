"""Addenda and questions in the web workspace, on both databases: the contractor publishes an
addendum and answers a question on the workpackage page; the bidder acknowledges the addendum
and asks on the RFP page; the comparison shows who is on the latest addendum."""

from __future__ import annotations

from sqlalchemy import select

from bidbridge.models import Addendum, AddendumAcknowledgement, CompanyKind, Question
from tests.tendering_factory import tender
from tests.web.helpers import csrf_from, logged_in


def _post(client, page: str, action: str, data: dict):
    token = csrf_from(client.get(page).text)
    return client.post(action, data={**data, "csrf_token": token}, follow_redirects=False)


def test_addendum_and_questions_through_the_pages(client, factory, runtime):
    gc = factory.company(CompanyKind.CONTRACTOR, api=False)
    sub = factory.company(api=False)
    t = tender(factory, [sub], contractor=gc, lines=2, document_count=0)
    rfp = t.rfp_for(sub)
    wp_page = f"/workpackages/{t.workpackage.id}"

    logged_in(client, gc.admin.email)
    empty = _post(client, wp_page, f"{wp_page}/addenda", {"addendum_text": "  "})
    assert empty.status_code == 422 and "Write what changes" in empty.text
    published = _post(client, wp_page, f"{wp_page}/addenda",
                      {"addendum_text": "Lateien in RVS uitvoeren."})
    assert published.status_code == 303, published.text
    page = client.get(wp_page).text
    assert "Addendum 1" in page and "Acknowledged by 0 of 1 invitee" in page
    with runtime.sessions() as s:
        addendum = s.scalar(select(Addendum).where(Addendum.workpackage_id == t.workpackage.id))
        assert addendum is not None and addendum.published_by_name == gc.admin.name

    client.cookies.clear()
    logged_in(client, sub.admin.email)
    rfp_page = f"/bids/{rfp.id}"
    shown = client.get(rfp_page).text
    assert "Acknowledge addendum 1" in shown and "Lateien in RVS uitvoeren." in shown
    acked = _post(client, rfp_page, f"{rfp_page}/addenda/1/acknowledge", {})
    assert acked.status_code == 303
    assert "Acknowledged by " + sub.admin.name in client.get(rfp_page).text
    asked = _post(client, rfp_page, f"{rfp_page}/questions", {"question": "RVS 304 of 316?"})
    assert asked.status_code == 303
    with runtime.sessions() as s:
        ack = s.scalar(select(AddendumAcknowledgement).where(
            AddendumAcknowledgement.rfp_id == rfp.id))
        assert ack is not None and ack.acknowledged_by_name == sub.admin.name
        question = s.scalar(select(Question).where(Question.rfp_id == rfp.id))
        assert question is not None and question.asked_by_name == sub.admin.name

    client.cookies.clear()
    logged_in(client, gc.admin.email)
    page = client.get(wp_page).text
    assert "RVS 304 of 316?" in page and sub.company.name in page
    refused = _post(client, wp_page, f"{wp_page}/questions/{question.id}", {"answer": ""})
    assert refused.status_code == 422
    answered = _post(client, wp_page, f"{wp_page}/questions/{question.id}",
                     {"answer": "RVS 316."})
    assert answered.status_code == 303
    assert "Acknowledged by 1 of 1 invitee" in client.get(wp_page).text

    client.cookies.clear()
    logged_in(client, sub.admin.email)
    assert "RVS 316." in client.get(f"/bids/{rfp.id}").text


def test_another_contractors_workpackage_is_not_found(client, factory):
    gc = factory.company(CompanyKind.CONTRACTOR, api=False)
    other = factory.company(CompanyKind.CONTRACTOR, api=False)
    t = tender(factory, [], contractor=other, lines=1, document_count=0)
    logged_in(client, gc.admin.email)
    token = csrf_from(client.get("/projects").text)
    response = client.post(f"/workpackages/{t.workpackage.id}/addenda",
                           data={"addendum_text": "x", "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 404
