"""Questions and answers on both databases: asked until the question deadline, answered for every
invitee with the asker never named, declined as a duplicate, answered by an addendum."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.tendering.changes.helpers import world


def ask(bidder, text="Is scaffolding included?", **params):
    return bidder.post(f"/rfps/{bidder.rfp_id}/questions", {"text": text, **params})


def test_question_answer_seen_by_all_asker_anonymous(client, factory):
    w = world(factory, client, bidders=3)
    alice, bob, carol = w.bidders
    asked = ask(alice, budgetLineId=str(w.line_ids[0]))
    assert asked.status_code == 201, asked.text
    q = asked.json()
    assert (q["mine"], q["state"], q["rfpId"], q["budgetLineId"]) == \
        (True, "open", alice.rfp_id, w.line_ids[0])
    # Open questions are the asker's alone.
    assert bob.get(f"/rfps/{bob.rfp_id}/questions").json()["questions"] == []

    seen = w.gc.get(f"/workpackages/{w.wp['id']}/questions").json()["questions"]
    assert [(x["questionId"], x["companyId"], x["askedByName"]) for x in seen] == [
        (q["questionId"], alice.setup.company.id, alice.setup.api_user.name)]

    answered = w.gc.post(f"/questions/{q['questionId']}/answer",
                         {"answer": "Yes, all façades."})
    assert answered.status_code == 200, answered.text
    assert answered.json()["state"] == "answered"

    for b in (alice, bob, carol):
        listed = b.get(f"/rfps/{b.rfp_id}/questions").json()["questions"]
        assert [(x["questionId"], x["answer"], x["mine"]) for x in listed] == [
            (q["questionId"], "Yes, all façades.", b is alice)]
        raw = b.get(f"/rfps/{b.rfp_id}/questions").text
        thread = b.get(f"/rfps/{b.rfp_id}/messages").json()["messages"]
        assert "Yes, all façades." in thread[-1]["text"]
        if b is not alice:
            assert listed[0]["rfpId"] is None
            # Nothing names the asker: not its company, its person or its RFP.
            for secret in (alice.setup.company.name, alice.setup.api_user.name,
                           alice.setup.api_user.email):
                assert secret not in raw and secret not in thread[-1]["text"]
    again = w.gc.post(f"/questions/{q['questionId']}/answer", {"answer": "No."})
    assert again.status_code == 409 and again.json()["code"] == "question_closed"
    assert [e.data["questionId"] for e in factory.events(w.gc.company_id,
                                                         "question.answered")] == \
        [q["questionId"]]


def test_decline_as_duplicate(client, factory):
    w = world(factory, client)
    alice, bob = w.bidders
    first = ask(alice, "Scaffolding?").json()
    second = ask(bob, "Is scaffolding part of it?").json()
    self_dup = w.gc.post(f"/questions/{first['questionId']}/decline",
                         {"duplicateOfId": str(first["questionId"])})
    assert self_dup.status_code == 409 and self_dup.json()["code"] == "invalid_duplicate"
    declined = w.gc.post(f"/questions/{second['questionId']}/decline",
                         {"duplicateOfId": str(first["questionId"])})
    assert declined.status_code == 200, declined.text
    assert (declined.json()["state"], declined.json()["duplicateOfId"]) == \
        ("declined", first["questionId"])
    mine = bob.get(f"/rfps/{bob.rfp_id}/questions").json()["questions"]
    assert [(x["questionId"], x["state"], x["duplicateOfId"]) for x in mine] == [
        (second["questionId"], "declined", first["questionId"])]
    # Alice never sees Bob's declined question.
    theirs = alice.get(f"/rfps/{alice.rfp_id}/questions").json()["questions"]
    assert [x["questionId"] for x in theirs] == [first["questionId"]]
    chained = ask(alice, "Third?").json()
    refused = w.gc.post(f"/questions/{chained['questionId']}/decline",
                        {"duplicateOfId": str(second["questionId"])})
    assert refused.status_code == 409 and refused.json()["suggestedId"] == first["questionId"]


def test_answered_by_an_addendum(client, factory):
    w = world(factory, client)
    alice, bob = w.bidders
    q = ask(alice, "Is the quantity of 22.01 right?").json()
    published = w.publish("Quantity of 22.01 corrected.",
                          lines=[{"action": "change", "budgetLineId": w.line_ids[0],
                                  "quantity": "125"}],
                          answersQuestionIds=[q["questionId"]])
    assert published.status_code == 201, published.text
    assert published.json()["answersQuestionIds"] == [q["questionId"]]
    listed = bob.get(f"/rfps/{bob.rfp_id}/questions").json()["questions"]
    assert [(x["questionId"], x["state"], x["answeredByAddendum"]) for x in listed] == [
        (q["questionId"], "answered", 1)]
    twice = w.publish("Again.", answersQuestionIds=[q["questionId"]])
    assert twice.status_code == 409 and twice.json()["code"] == "question_closed"


def test_questions_close_at_the_question_deadline(client, factory, clock):
    now = clock.now()
    day = datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=3)
    w = world(factory, client, bidders=1, questionsDate=int(day.timestamp()), questionsTime=12)
    (b,) = w.bidders
    clock.set(day + timedelta(hours=11, minutes=59))
    w.refresh()
    assert ask(b).status_code == 201
    clock.set(day + timedelta(hours=12))
    w.refresh()
    closed = ask(b)
    assert closed.status_code == 409, closed.text
    body = closed.json()
    assert (body["code"], body["questionsDeadline"]) == \
        ("questions_closed", int((day + timedelta(hours=12)).timestamp()))


def test_without_a_question_deadline_questions_close_with_the_proposal_deadline(client, factory,
                                                                                 clock):
    w = world(factory, client, bidders=1, deadline_in=timedelta(days=3))
    (b,) = w.bidders
    clock.advance(3 * 86400)
    w.refresh()
    assert ask(b).json()["code"] == "questions_closed"


def test_questions_name_only_their_own_lines_documents_and_rfps(client, factory):
    w = world(factory, client)
    other = world(factory, client, bidders=1)
    alice = w.bidders[0]
    foreign_line = other.line_ids[0]
    refused = ask(alice, budgetLineId=str(foreign_line))
    assert refused.status_code == 404 and refused.json()["parameter"] == "budgetLineId"
    assert ask(alice, documentId="999999").json()["parameter"] == "documentId"
    assert alice.post(f"/rfps/{other.bidders[0].rfp_id}/questions",
                      {"text": "Hi"}).status_code == 404
    q = ask(alice).json()
    # Another contractor cannot answer, decline or list it.
    assert other.gc.post(f"/questions/{q['questionId']}/answer",
                         {"answer": "x"}).status_code == 404
    assert other.gc.get(f"/workpackages/{w.wp['id']}/questions").status_code == 404
    dup = w.gc.post(f"/questions/{q['questionId']}/decline",
                    {"duplicateOfId": str(other_question(other))})
    assert dup.status_code == 404 and dup.json()["parameter"] == "duplicateOfId"
    empty = ask(alice, "   ")
    assert empty.status_code == 422 and empty.json()["errors"][0]["parameter"] == "text"


def other_question(other) -> int:
    (b,) = other.bidders
    return int(ask(b, "Elsewhere?").json()["questionId"])
