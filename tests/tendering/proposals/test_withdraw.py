"""withdrawProposal on both databases: only the current version, only before the deadline,
kept as a tombstone, the RFP status back to calculating, isolation and the audit event."""

from __future__ import annotations

from datetime import timedelta

from bidbridge.models import ProposalState, Rfp, RfpStatus
from tests.tendering.proposals.helpers import BASE, bidder, proposals_in_db, rfp_row, submit


def withdraw(client, b, proposal_id, reason="Rekenfout in post 3"):
    data = {"reason": reason} if reason is not None else {}
    return client.post(f"{BASE}/proposals/{proposal_id}/withdraw", data=data, headers=b.headers)


def test_withdrawing_keeps_a_tombstone_and_sets_the_status_back(client, factory, clock, runtime):
    b = bidder(client, factory, lines=0)
    p = submit(client, b, totalAmount="100").json()
    clock.advance(30)
    response = withdraw(client, b, p["proposalId"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["state"], body["withdrawnReason"], body["withdrawnAt"]) == \
        ("withdrawn", "Rekenfout in post 3", int(clock.now().timestamp()))
    assert (body["lines"], body["contentSha256"]) == (p["lines"], p["contentSha256"])
    listed = client.get(f"{BASE}/rfps/{b.rfp_id}/proposals", headers=b.headers).json()
    assert [(x["proposalId"], x["state"]) for x in listed] == [(p["proposalId"], "withdrawn")]
    rfp = rfp_row(runtime, b.rfp_id)
    assert rfp.status == RfpStatus.CALCULATING
    assert rfp.updated_at == clock.now()
    [event] = factory.events(b.setup.company.id, "proposal.withdrawn")
    assert (event.actor_name, event.target_id, event.data["reason"]) == \
        (b.setup.api_user.name, p["proposalId"], "Rekenfout in post 3")
    again = withdraw(client, b, p["proposalId"])
    assert (again.status_code, again.json()["code"]) == (409, "already_withdrawn")
    # A new submission after a withdrawal is version 2 and supersedes the tombstone.
    second = submit(client, b, totalAmount="90").json()
    assert second["version"] == 2
    assert rfp_row(runtime, b.rfp_id).status == RfpStatus.PROPOSAL


def test_only_the_current_version_can_be_withdrawn(client, factory, runtime):
    b = bidder(client, factory, lines=0)
    first = submit(client, b, totalAmount="100").json()
    submit(client, b, totalAmount="95")
    refused = withdraw(client, b, first["proposalId"])
    assert refused.status_code == 409
    assert (refused.json()["code"], refused.json()["currentVersion"]) == \
        ("proposal_superseded", 2)
    assert [p.state for p in proposals_in_db(runtime, b.rfp_id)] == \
        [ProposalState.SUBMITTED, ProposalState.SUBMITTED]


def test_reason_is_required_and_limited(client, factory):
    b = bidder(client, factory, lines=0)
    p = submit(client, b, totalAmount="1").json()
    missing = withdraw(client, b, p["proposalId"], reason=None)
    assert missing.status_code == 422
    assert [e["parameter"] for e in missing.json()["errors"]] == ["reason"]
    too_long = withdraw(client, b, p["proposalId"], reason="r" * 2001)
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["problem"] == "too_long"


def test_withdrawal_is_refused_at_the_deadline_but_not_a_second_before(client, factory, clock):
    early = bidder(client, factory, lines=0, deadline_in=timedelta(days=2))
    late = bidder(client, factory, lines=0, deadline_in=timedelta(days=2))
    first = submit(client, early, totalAmount="1").json()
    second = submit(client, late, totalAmount="1").json()
    early.deadline_in(client, clock, 1)
    late.refresh(client)
    assert withdraw(client, early, first["proposalId"]).status_code == 200
    clock.advance(1)
    refused = withdraw(client, late, second["proposalId"])
    assert (refused.status_code, refused.json()["code"]) == (409, "deadline_passed")
    assert refused.json()["deadline"] == int(clock.now().timestamp())


def test_withdrawal_is_refused_after_the_award(client, factory, runtime):
    b = bidder(client, factory, lines=0)
    p = submit(client, b, totalAmount="1").json()
    with runtime.sessions() as s, s.begin():
        s.get(Rfp, b.rfp_id).status = RfpStatus.AWARDED
    refused = withdraw(client, b, p["proposalId"])
    assert (refused.status_code, refused.json()["code"]) == (409, "rfp_decided")


def test_another_companys_proposal_is_not_found(client, factory, runtime):
    mine = bidder(client, factory, lines=0)
    theirs = bidder(client, factory, lines=0)
    p = submit(client, theirs, totalAmount="1").json()
    response = withdraw(client, mine, p["proposalId"])
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert "totalAmount" not in response.text
    assert proposals_in_db(runtime, theirs.rfp_id)[0].state == ProposalState.SUBMITTED
    assert withdraw(client, mine, 2**31 - 1).status_code == 404
    assert withdraw(client, mine, 2**31).status_code == 422


def test_every_aggregate_answers_an_unknown_id_with_its_not_found(factory, runtime):
    import pytest

    from bidbridge.errors import NotFound
    from bidbridge.ids import MAX_ID
    from bidbridge.services import scoping

    company_id = factory.company().company.id
    aggregates = [value for value in vars(scoping).values()
                  if isinstance(value, scoping.Aggregate)]
    assert len(aggregates) == 9
    with runtime.sessions() as s:
        for aggregate in aggregates:
            with pytest.raises(NotFound) as caught:
                scoping.load(s, aggregate, MAX_ID, for_company=company_id, for_update=True)
            assert caught.value.data == {"resource": aggregate.resource, "id": MAX_ID}
            assert str(MAX_ID) in caught.value.detail
