"""Award outcomes on both databases: awarding gives every RFP a structured outcome that getRfp and
getRfps show and filter; a reason and rank reach only their own bidder; cancelling a workpackage
gives every RFP the outcome cancelled."""

from __future__ import annotations

from tests.tendering.changes.helpers import world


def outcome_of(bidder):
    return bidder.get(f"/rfps/{bidder.rfp_id}").json()["outcome"]


def listed(bidder, **filters):
    return {r["rfpId"]: r["outcome"]
            for r in bidder.post("/rfps", filters).json()["rfps"]}


def test_award_gives_every_rfp_an_outcome(client, factory):
    w = world(factory, client, bidders=3)
    winner, second, third = w.bidders
    assert outcome_of(winner) is None and listed(winner) == {winner.rfp_id: None}
    awarded = w.gc.post(f"/rfps/{winner.rfp_id}/status",
                        {"status": "awarded", "awardOthers": "1", "reason": "Price"})
    assert awarded.status_code == 200, awarded.text
    assert outcome_of(winner)["outcome"] == "awarded" and outcome_of(winner)["reason"] is None
    for b in (second, third):
        out = outcome_of(b)
        assert (out["outcome"], out["reason"], out["rank"]) == ("not_awarded", "Price", None)
    # A rank and reason for one bidder reach that bidder only.
    ranked = w.gc.post(f"/rfps/{second.rfp_id}/status",
                       {"status": "not_awarded", "reason": "Second lowest price", "rank": "2"})
    assert ranked.status_code == 200, ranked.text
    assert (outcome_of(second)["reason"], outcome_of(second)["rank"]) == \
        ("Second lowest price", 2)
    assert outcome_of(third)["reason"] == "Price" and outcome_of(third)["rank"] is None
    for b in (winner, third):
        text = b.get(f"/rfps/{b.rfp_id}").text + b.post("/rfps").text
        assert "Second lowest price" not in text
    assert listed(second, outcome="not_awarded") == {second.rfp_id: "not_awarded"}
    assert listed(second, outcome="awarded") == {}
    assert listed(winner, outcome="awarded") == {winner.rfp_id: "awarded"}
    assert listed(winner, outcome="none") == {}
    events = factory.events(second.setup.company.id, "rfp.outcome_set")
    assert [e.data["to"] for e in events] == ["not_awarded", "not_awarded"]
    assert not [e for e in factory.events(third.setup.company.id, "rfp.outcome_set")
                if e.target_id != third.rfp_id]


def test_reason_and_rank_only_with_not_awarded(client, factory):
    w = world(factory, client, bidders=1)
    (b,) = w.bidders
    refused = w.gc.post(f"/rfps/{b.rfp_id}/status", {"status": "awarded", "rank": "1"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["parameter"] == "reason"
    assert outcome_of(b) is None
    bad = w.gc.post(f"/rfps/{b.rfp_id}/status", {"status": "not_awarded", "rank": "0"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["parameter"] == "rank"


def test_reopening_clears_the_outcome(client, factory):
    w = world(factory, client, bidders=1)
    (b,) = w.bidders
    assert w.gc.post(f"/rfps/{b.rfp_id}/status", {"status": "awarded"}).status_code == 200
    assert outcome_of(b)["outcome"] == "awarded"
    assert w.gc.post(f"/rfps/{b.rfp_id}/status", {"status": "proposal"}).status_code == 200
    assert outcome_of(b) is None


def test_cancelling_a_workpackage(client, factory):
    w = world(factory, client)
    alice, bob = w.bidders
    cancelled = w.gc.post(f"/workpackages/{w.wp['id']}/cancel",
                          {"reason": "The client postponed the project."})
    assert cancelled.status_code == 200, cancelled.text
    assert sorted(cancelled.json()["cancelledRfpIds"]) == sorted([alice.rfp_id, bob.rfp_id])
    for b in (alice, bob):
        out = outcome_of(b)
        assert (out["outcome"], out["reason"]) == \
            ("cancelled", "The client postponed the project.")
        thread = b.get(f"/rfps/{b.rfp_id}/messages").json()["messages"]
        assert "cancelled" in thread[-1]["text"]
        assert listed(b, outcome="cancelled") == {b.rfp_id: "cancelled"}
    again = w.gc.post(f"/workpackages/{w.wp['id']}/cancel",
                      {"reason": "The client postponed the project."})
    assert again.status_code == 200 and again.json()["cancelledRfpIds"] == []


def test_a_decided_workpackage_cannot_be_cancelled(client, factory):
    w = world(factory, client, bidders=1)
    (b,) = w.bidders
    assert w.gc.post(f"/rfps/{b.rfp_id}/status", {"status": "awarded"}).status_code == 200
    refused = w.gc.post(f"/workpackages/{w.wp['id']}/cancel", {"reason": "x"})
    assert refused.status_code == 409 and refused.json()["code"] == "workpackage_decided"
    other = world(factory, client, bidders=0)
    assert other.gc.post(f"/workpackages/{w.wp['id']}/cancel", {"reason": "x"}).status_code \
        == 404


def test_a_decided_workpackage_takes_no_addenda(client, factory):
    w = world(factory, client, bidders=1)
    (b,) = w.bidders
    assert w.gc.post(f"/workpackages/{w.wp['id']}/cancel", {"reason": "Off"}).status_code == 200
    refused = w.publish("Too late.")
    assert refused.status_code == 409 and refused.json()["code"] == "workpackage_decided"
    assert b.get(f"/rfps/{b.rfp_id}/addenda").json()["addenda"] == []
