"""Addenda on both databases: publish, acknowledge, submit refused and accepted, reconfirmation
after a later addendum, the late-change rule, locking, messages and audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bidbridge.models import Addendum, Message, PriceEntry
from tests.tendering.changes.helpers import world


def test_the_whole_life_of_two_addenda(client, factory, runtime, clock):
    w = world(factory, client)
    alice, bob = w.bidders
    one, two, three = w.line_ids
    alice.price_all(w.line_ids)

    first = w.publish("Drawing A-101 revised: plinth added.",
                      lines=[{"action": "add", "code": "22.04", "description": "Plint",
                              "quantity": "42", "unit": "m1"}])
    assert first.status_code == 201, first.text
    a1 = first.json()
    assert (a1["number"], a1["text"], a1["newDeadline"], a1["acknowledgements"]) == \
        (1, "Drawing A-101 revised: plinth added.", None, [])
    added = a1["lineChanges"][0]
    assert (added["action"], added["after"]["description"], added["after"]["quantity"]) == \
        ("add", "Plint", "42.000")

    # Every invitee is told on its RFP, and sees the addendum unacknowledged.
    for b in (alice, bob):
        thread = b.get(f"/rfps/{b.rfp_id}/messages").json()["messages"]
        assert "Addendum 1" in thread[-1]["text"] and "Plint" not in thread[-1]["text"]
        listed = b.get(f"/rfps/{b.rfp_id}/addenda").json()["addenda"]
        assert [(a["number"], a["acknowledged"]) for a in listed] == [(1, False)]

    refused = alice.submit()
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert (body["code"], body["missing"], body["latestAddendum"]) == \
        ("addendum_unacknowledged", [1], 1)
    assert "acknowledgeAddendum" in body["detail"]

    ack = alice.acknowledge(1)
    assert ack.status_code == 200, ack.text
    assert ack.json()["acknowledged"] is True
    first_at = ack.json()["acknowledgedAt"]
    clock.advance(60)
    again = alice.acknowledge(1)
    assert again.status_code == 200 and again.json()["acknowledgedAt"] == first_at
    alice.price_all([c["budgetLineId"] for c in a1["lineChanges"]], "5.00")

    submitted = alice.submit()
    assert submitted.status_code == 201, submitted.text
    v1 = submitted.json()
    assert (v1["version"], v1["state"], v1["addendumNumber"]) == (1, "submitted", 1)
    assert len(v1["lines"]) == 4

    # A second addendum changes a quantity and a text: the proposal needs reconfirmation, the
    # changed-quantity line is unpriced, the others keep their drafts.
    second = w.publish("Quantities corrected.",
                       lines=[{"action": "change", "budgetLineId": one, "quantity": "130"},
                              {"action": "change", "budgetLineId": two,
                               "description": "Voegwerk, verdiept"},
                              {"action": "remove", "budgetLineId": three}])
    assert second.status_code == 201, second.text
    changes = second.json()["lineChanges"]
    assert [(c["action"], c["budgetLineId"], c.get("changed")) for c in changes] == [
        ("change", one, ["quantity"]), ("change", two, ["description"]),
        ("remove", three, None)]
    assert changes[0]["before"]["quantity"] == "120.500"
    assert changes[0]["after"]["quantity"] == "130.000"

    listed = alice.get(f"/rfps/{alice.rfp_id}/proposals").json()
    assert [(p["version"], p["state"]) for p in listed] == [(1, "needs_reconfirmation")]
    sheet = alice.get(f"/rfps/{alice.rfp_id}/budget-lines").json()
    priced = {row["budgetLineId"]: (row["price"] or {}).get("unitPrice")
              for row in sheet["lines"] if not row["deleted"]}
    assert priced[one] is None and priced[two] == "10.00"
    assert three not in priced

    assert alice.submit().json()["missing"] == [2]
    assert alice.acknowledge(2).status_code == 200
    alice.price_all([one], "11.00")
    reconfirmed = alice.submit()
    assert reconfirmed.status_code == 201, reconfirmed.text
    v2 = reconfirmed.json()
    assert (v2["version"], v2["state"], v2["addendumNumber"]) == (2, "submitted", 2)
    by_line = {row["budgetLineId"]: row for row in v2["lines"]}
    assert by_line[one]["unitPrice"] == "11.00" and by_line[one]["quantity"] == "130.000"
    assert by_line[two]["unitPrice"] == "10.00" and three not in by_line
    listed = alice.get(f"/rfps/{alice.rfp_id}/proposals").json()
    assert [(p["version"], p["state"]) for p in listed] == [(2, "submitted"), (1, "submitted")]
    assert listed[1]["superseded"] is True

    # The contractor sees both addenda and who acknowledged them.
    seen = w.gc.get(f"/workpackages/{w.wp['id']}/addenda").json()["addenda"]
    assert [(a["number"], [x["rfpId"] for x in a["acknowledgements"]]) for a in seen] == [
        (1, [alice.rfp_id]), (2, [alice.rfp_id])]
    events = factory.events(w.gc.company_id, "addendum.published")
    assert [e.data["number"] for e in events] == [1, 2]
    assert [e.data["number"] for e in factory.events(alice.setup.company.id,
                                                     "addendum.acknowledged")] == [1, 2]


def test_a_needs_reconfirmation_proposal_can_be_withdrawn(client, factory):
    w = world(factory, client, bidders=1)
    (b,) = w.bidders
    b.price_all(w.line_ids)
    v1 = b.submit().json()
    assert w.publish("Note on the site access.").status_code == 201
    assert b.get(f"/rfps/{b.rfp_id}/proposals").json()[0]["state"] == "needs_reconfirmation"
    gone = b.post(f"/proposals/{v1['proposalId']}/withdraw", {"reason": "Not for this price"})
    assert gone.status_code == 200, gone.text
    assert gone.json()["state"] == "withdrawn"


def test_a_late_addendum_must_move_the_deadline(client, factory, clock):
    w = world(factory, client, bidders=1, deadline_in=timedelta(days=1))
    now = clock.now()
    refused = w.publish("Late change.")
    assert refused.status_code == 422, refused.text
    body = refused.json()
    earliest = int((now + timedelta(days=2)).timestamp())
    assert (body["code"], body["earliestDeadline"]) == ("deadline_extension_required", earliest)
    assert body["errors"][0]["parameter"] == "deadline"
    assert str(earliest) in body["detail"]
    too_short = w.publish("Late change.", deadline=earliest - 1)
    assert too_short.status_code == 422 and too_short.json()["earliestDeadline"] == earliest
    with factory.runtime.sessions() as s:
        assert s.scalars(select(Addendum)).first() is None or not list(s.scalars(
            select(Addendum).where(Addendum.workpackage_id == w.wp["id"])))
    accepted = w.publish("Late change.", deadline=earliest)
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["newDeadline"] == earliest
    wp = w.gc.get(f"/projects/{w.project['id']}").json()["workpackages"][0]
    assert wp["deadline"] == earliest
    # The bidder's RFP now has the extended deadline.
    (b,) = w.bidders
    assert b.get(f"/rfps/{b.rfp_id}").json()["deadlines"]["proposal"] == earliest


def test_an_early_addendum_may_shorten_the_deadline_only_to_the_minimum_notice(client, factory,
                                                                                clock):
    w = world(factory, client, bidders=1)
    soon = int((clock.now() + timedelta(days=1)).timestamp())
    refused = w.publish("Deadline brought forward.", deadline=soon)
    assert refused.status_code == 422 and refused.json()["code"] == \
        "deadline_extension_required"
    past = w.publish("Deadline in the past.", deadline=int(clock.now().timestamp()) - 10)
    assert past.status_code == 422 and past.json()["errors"][0]["parameter"] == "deadline"


def test_a_refused_addendum_changes_nothing(client, factory, runtime):
    w = world(factory, client, bidders=1)
    (b,) = w.bidders
    b.price_all(w.line_ids)
    one = w.line_ids[0]
    refused = w.publish("Broken.", lines=[{"action": "change", "budgetLineId": one,
                                           "quantity": "99"},
                                          {"action": "remove", "budgetLineId": 999999}])
    assert refused.status_code == 404, refused.text
    bad_line = w.publish("Broken.", lines=[{"action": "add", "description": "x",
                                            "quantity": "-1", "unit": "m2"}])
    assert bad_line.status_code == 422
    assert bad_line.json()["errors"][0]["parameter"] == "lines[0].quantity"
    shape = w.publish("Broken.", lines=[{"action": "remove"}])
    assert shape.status_code == 422 and shape.json()["errors"][0]["parameter"] == "lines[0]"
    with runtime.sessions() as s:
        assert list(s.scalars(select(Addendum).where(
            Addendum.workpackage_id == w.wp["id"]))) == []
        entry = s.scalar(select(PriceEntry).where(PriceEntry.budget_line_id == one))
        assert entry is not None and entry.unit_price is not None
        assert not [m for m in s.scalars(select(Message).where(Message.rfp_id == b.rfp_id))]
    sheet = b.get(f"/rfps/{b.rfp_id}/budget-lines").json()
    assert sheet["lines"][0]["quantity"] == "120.500"


def test_published_addenda_are_locked(client, factory, runtime):
    w = world(factory, client, bidders=1)
    assert w.publish("One.").status_code == 201
    with runtime.sessions() as s:
        addendum = s.scalar(select(Addendum).where(Addendum.workpackage_id == w.wp["id"]))
        assert addendum is not None
        addendum.text = "Rewritten"
        with pytest.raises(RuntimeError, match="locked"):
            s.flush()
        s.rollback()
        addendum = s.scalar(select(Addendum).where(Addendum.workpackage_id == w.wp["id"]))
        s.delete(addendum)
        with pytest.raises(RuntimeError, match="locked"):
            s.flush()


def test_addenda_documents_and_numbering(client, factory):
    w = world(factory, client, bidders=1)
    upload = w.gc.post(f"/projects/{w.project['id']}/documents",
                       {"workpackageId": str(w.wp["id"])},
                       files={"file": ("A-101.pdf", b"%PDF-1.4 drawing", "application/pdf")})
    assert upload.status_code == 201, upload.text
    doc = upload.json()
    first = w.publish("New drawing.", documentIds=[doc["id"]]).json()
    assert first["documents"] == [{"documentId": doc["id"], "version": 1, "name": "A-101.pdf"}]
    second = w.publish("And another note.").json()
    assert second["number"] == 2
    other = world(factory, client, bidders=0)
    assert other.publish("Elsewhere.").json()["number"] == 1
    # Someone else's document is not found, and names the parameter.
    foreign = other.publish("Steal.", documentIds=[doc["id"]])
    assert foreign.status_code == 404 and foreign.json()["parameter"] == "documentIds"


def test_acknowledging_an_unknown_addendum_or_anothers_rfp_is_not_found(client, factory):
    w = world(factory, client)
    alice, bob = w.bidders
    assert w.publish("One.").status_code == 201
    assert alice.acknowledge(2).status_code == 404
    theirs = alice.post(f"/rfps/{bob.rfp_id}/acknowledgements", {"addendumNumber": 1})
    assert theirs.status_code == 404
    assert alice.get(f"/rfps/{bob.rfp_id}/addenda").status_code == 404
