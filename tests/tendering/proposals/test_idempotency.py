"""Idempotency-Key on submitProposal and concurrent submissions, on both databases: 20 racing
retries create one proposal; racing submissions without a key get strictly increasing versions."""

from __future__ import annotations

import threading
from datetime import timedelta

from starlette.testclient import TestClient

from tests.tendering.proposals.helpers import bidder, price, proposals_in_db, submit

RACERS = 20


def race(app, count: int, call) -> list:
    """Run ``call(client)`` from ``count`` threads at once, each with its own client."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        client = TestClient(app, base_url="http://testserver")
        barrier.wait()
        try:
            results[i] = call(client)
        except Exception as exc:  # reported below, not swallowed
            results[i] = exc
        finally:
            client.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return results


def test_a_retry_with_the_same_key_returns_the_same_proposal(client, factory, clock, runtime):
    b = bidder(client, factory, lines=1)
    price(client, b, [{"budgetLineId": b.line_ids[0], "unitPrice": "2"}])
    first = submit(client, b, key="offer-2026-001", message="Onze prijs")
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    clock.advance(5)
    price(client, b, [{"budgetLineId": b.line_ids[0], "unitPrice": "3"}])  # drafts move on
    retry = submit(client, b, key="offer-2026-001", message="Onze prijs")
    assert retry.status_code == 200
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert len(proposals_in_db(runtime, b.rfp_id)) == 1
    other_key = submit(client, b, key="offer-2026-002", message="Onze prijs")
    assert (other_key.status_code, other_key.json()["version"]) == (201, 2)
    assert other_key.json()["totalAmount"] == "31.50"


def test_the_same_key_with_different_content_is_refused(client, factory, runtime):
    b = bidder(client, factory, lines=0)
    first = submit(client, b, key="k-1", totalAmount="100.00",
                   files=[("a.pdf", b"%PDF-1 one", "application/pdf")])
    assert first.status_code == 201
    same = submit(client, b, key="k-1", totalAmount="100",  # the same amount, written shorter
                  files=[("a.pdf", b"%PDF-1 one", "application/pdf")])
    assert same.status_code == 200
    for changed in ({"totalAmount": "101"},
                    {"totalAmount": "100", "files": [("a.pdf", b"%PDF-1 two",
                                                      "application/pdf")]},
                    {"totalAmount": "100", "message": "now with a message",
                     "files": [("a.pdf", b"%PDF-1 one", "application/pdf")]}):
        refused = submit(client, b, key="k-1", **changed)
        assert refused.status_code == 422
        assert refused.json()["code"] == "idempotency_mismatch"
        assert refused.json()["proposalId"] == first.json()["proposalId"]
    assert len(proposals_in_db(runtime, b.rfp_id)) == 1


def test_a_replay_after_the_deadline_returns_the_stored_receipt(client, factory, clock):
    b = bidder(client, factory, lines=0, deadline_in=timedelta(days=2))
    first = submit(client, b, key="before-deadline", totalAmount="7")
    b.deadline_in(client, clock, -60)
    retry = submit(client, b, key="before-deadline", totalAmount="7")
    assert retry.status_code == 200
    assert retry.json()["receipt"] == first.json()["receipt"]
    fresh = submit(client, b, key="after-deadline", totalAmount="7")
    assert (fresh.status_code, fresh.json()["code"]) == (409, "deadline_passed")


def test_a_malformed_key_is_refused(client, factory, runtime):
    b = bidder(client, factory, lines=0)
    refused = submit(client, b, key="has space", totalAmount="1")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["parameter"] == "Idempotency-Key"
    assert proposals_in_db(runtime, b.rfp_id) == []


def test_keys_are_scoped_to_the_rfp(client, factory, runtime):
    one = bidder(client, factory, lines=0)
    two = bidder(client, factory, lines=0)
    assert submit(client, one, key="shared", totalAmount="1").status_code == 201
    assert submit(client, two, key="shared", totalAmount="1").status_code == 201
    assert len(proposals_in_db(runtime, two.rfp_id)) == 1


def test_twenty_concurrent_retries_create_exactly_one_proposal(client, factory, app, runtime):
    b = bidder(client, factory, lines=2)
    price(client, b, [{"budgetLineId": line, "unitPrice": "1.10"} for line in b.line_ids])
    results = race(app, RACERS, lambda c: submit(
        c, b, key="retry-storm", message="once", files=[("q.pdf", b"%PDF-1 q", "application/pdf")]))
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200] * (RACERS - 1) + [201], [r.text for r in results]
    assert len({r.json()["proposalId"] for r in results}) == 1
    assert len({r.json()["contentSha256"] for r in results}) == 1
    stored = proposals_in_db(runtime, b.rfp_id)
    assert [(p.version, p.idempotency_key) for p in stored] == [(1, "retry-storm")]
    assert len(factory.events(b.setup.company.id, "proposal.submitted")) == 1
    assert len(factory.events(b.setup.company.id, "document.added")) == 1


def test_concurrent_submissions_without_a_key_get_strictly_increasing_versions(
        client, factory, app, runtime):
    b = bidder(client, factory, lines=0)
    count = 6
    results = race(app, count, lambda c: submit(c, b, totalAmount="5"))
    assert [r.status_code for r in results] == [201] * count, [r.text for r in results]
    assert sorted(r.json()["version"] for r in results) == list(range(1, count + 1))
    stored = proposals_in_db(runtime, b.rfp_id)
    assert [p.version for p in stored] == list(range(1, count + 1))
    assert [p.superseded_at is None for p in stored] == [False] * (count - 1) + [True]
    # Versions follow the order in which the RFP lock was granted, hence the insert order.
    assert [p.id for p in stored] == sorted(p.id for p in stored)


def test_the_database_refuses_a_second_proposal_with_the_same_key(client, factory, runtime):
    """The backstop behind the RFP lock: UNIQUE (rfp_id, idempotency_key) from migration 0003."""
    import pytest
    from sqlalchemy.exc import IntegrityError

    from bidbridge.models import Proposal

    b = bidder(client, factory, lines=0)
    first = submit(client, b, key="dup", totalAmount="1").json()
    now = runtime.clock.now()
    with pytest.raises(IntegrityError), runtime.sessions() as s, s.begin():
        s.add(Proposal(rfp_id=b.rfp_id, version=first["version"] + 1, submitted_at=now,
                       submitted_by_name="x", total_amount=1, currency="EUR", lines=[],
                       content_sha256="0" * 64, updated_at=now, idempotency_key="dup"))
    assert [p.idempotency_key for p in proposals_in_db(runtime, b.rfp_id)] == ["dup"]
