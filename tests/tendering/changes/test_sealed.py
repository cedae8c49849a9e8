"""Sealed opening on both databases: chosen when inviting; the contractor sees that bids came in
but reads none before the deadline (409 sealed_until_deadline); after it (the clock moves) the
opening is recorded once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bidbridge.models import BidOpening
from tests.factories import get_token
from tests.tendering.changes.helpers import Bidder, world


def sealed_world(factory, client):
    w = world(factory, client, bidders=0, deadline_in=timedelta(days=5))
    for _ in range(3):
        setup = factory.company()
        invited = w.gc.post(f"/workpackages/{w.wp['id']}/invitations",
                            {"companyId": setup.company.id, "sealed": "1"})
        assert invited.status_code == 201, invited.text
        w.bidders.append(Bidder(setup, invited.json()["rfp"]["id"], get_token(client, setup),
                                client))
    return w


def test_sealed_bids_open_once_after_the_deadline(client, factory, runtime, clock):
    w = sealed_world(factory, client)
    alice, bob, _carol = w.bidders
    for b in (alice, bob):
        b.price_all(w.line_ids)
        assert b.submit().status_code == 201
    wp_id = w.wp["id"]

    refused = w.gc.get(f"/workpackages/{wp_id}/proposals")
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "sealed_until_deadline"
    assert refused.json()["deadline"] == w.project["deadlineDate"]
    assert w.gc.get(f"/workpackages/{wp_id}/opening").json()["code"] == "sealed_until_deadline"
    # The contractor sees that bids were submitted, not their amounts.
    rfps = {r["id"]: r for r in w.gc.post("/rfps", {"workpackageId": str(wp_id)}).json()["rfps"]}
    assert rfps[alice.rfp_id]["latestProposal"]["version"] == 1
    assert rfps[alice.rfp_id]["latestProposal"]["totalAmount"] is None
    assert rfps[w.bidders[2].rfp_id]["latestProposal"] is None
    with runtime.sessions() as s:
        assert s.scalar(select(BidOpening).where(BidOpening.workpackage_id == wp_id)) is None

    clock.set(clock.now() + timedelta(days=5))
    w.refresh()
    opened = w.gc.get(f"/workpackages/{wp_id}/proposals")
    assert opened.status_code == 200, opened.text
    totals = {b["rfpId"]: b["proposal"]["totalAmount"] for b in opened.json()["bidders"]
              if b["proposal"]}
    assert set(totals) == {alice.rfp_id, bob.rfp_id} and all(totals.values())
    opened_at = int(clock.now().timestamp())
    record = w.gc.get(f"/workpackages/{wp_id}/opening").json()
    assert (record["sealed"], record["openedAt"], record["bidCount"], record["openedByName"]) == \
        (True, opened_at, 2, w.gc.setup.api_user.name)
    clock.advance(600)
    again = w.gc.get(f"/workpackages/{wp_id}/opening").json()
    assert again["openedAt"] == opened_at  # recorded once
    w.gc.get(f"/workpackages/{wp_id}/proposals")
    with runtime.sessions() as s:
        rows = list(s.scalars(select(BidOpening).where(BidOpening.workpackage_id == wp_id)))
    assert [(r.bid_count, int(r.opened_at.timestamp())) for r in rows] == [(2, opened_at)]
    assert len(factory.events(w.gc.company_id, "bids.opened")) == 1
    rfps = {r["id"]: r for r in w.gc.post("/rfps", {"workpackageId": str(wp_id)}).json()["rfps"]}
    assert rfps[alice.rfp_id]["latestProposal"]["totalAmount"] == totals[alice.rfp_id]


def test_unsealed_is_the_default_and_the_choice_is_fixed_once_invited(client, factory):
    w = world(factory, client, bidders=1)
    (b,) = w.bidders
    b.price_all(w.line_ids)
    assert b.submit().status_code == 201
    assert w.gc.get(f"/workpackages/{w.wp['id']}/proposals").status_code == 200
    assert w.gc.get(f"/workpackages/{w.wp['id']}/opening").json()["sealed"] is False
    late = w.gc.post(f"/workpackages/{w.wp['id']}/invitations",
                     {"companyId": factory.company().company.id, "sealed": "1"})
    assert late.status_code == 409 and late.json()["code"] == "sealing_fixed"
    same = w.gc.post(f"/workpackages/{w.wp['id']}/invitations",
                     {"companyId": factory.company().company.id, "sealed": "0"})
    assert same.status_code == 201
