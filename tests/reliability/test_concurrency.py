"""Fifty clients hammer one RFP through a live server: responses, draft prices, proposal
submissions with Idempotency-Keys and their retries. No lost update, no duplicate proposal, versions strictly
increasing, exactly one request-log row and one domain event per call."""

from __future__ import annotations

import threading
import time
from collections import Counter
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select

from bidbridge.app import create_app
from bidbridge.models import ApiRequest, AuditEvent, PriceEntry, Proposal, Rfp
from tests.factories import auth, get_token
from tests.live import serve_in_thread
from tests.runtime_variants import runtime_with
from tests.tendering_factory import tender

CLIENTS = 50
LINES = 5
SUB = "/rest/subcontractor/v1"


def test_fifty_clients_on_one_rfp(runtime, factory, client) -> None:
    busy = runtime_with(runtime, rate_limit_token_requests=0, rate_limit_company_requests=0)
    setup = factory.company()
    t = tender(factory, [setup], lines=LINES, document_count=0)
    rfp_id = t.rfp_for(setup).id
    line_ids = [line.id for line in t.lines]
    token = get_token(client, setup)
    results: dict[str, list[tuple[int, httpx.Response]]] = {"respond": [], "price": [],
                                                              "submit": [], "retry": []}
    refused: list[httpx.Response] = []  # 503 answers that the clients backed off from
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)

    def send(http: httpx.Client, url: str, **kwargs: Any) -> httpx.Response:
        """As an integrator's client does: back off on 503 for Retry-After seconds (bounded)."""
        for _ in range(30):
            response = http.post(url, **kwargs)
            if response.status_code != 503:
                return response
            with lock:
                refused.append(response)
            time.sleep(float(response.headers["retry-after"]))
        raise AssertionError(f"{url} still answered 503 after 30 tries")

    def work(i: int, base: str) -> None:
        with httpx.Client(base_url=base, timeout=120, headers=auth(token)) as http:
            start.wait()
            lines = [{"budgetLineId": line_ids[i % LINES], "unitPrice": f"{i + 1}.00",
                      "included": True},
                     {"description": f"client-{i}", "quantity": "1", "unit": "post",
                      "totalPrice": f"{1000 + i}.00", "included": True}]
            responded = send(http, f"{SUB}/rfps/{rfp_id}/response",
                             data={"response": "calculate" if i % 2 else "pending",
                                   "note": f"client-{i}"},
                             headers={"Idempotency-Key": f"respond-{i}"})
            # The key makes a retried price call safe: its extra row is never added twice.
            priced = send(http, f"{SUB}/rfps/{rfp_id}/budget-lines", json={"lines": lines},
                          headers={"Idempotency-Key": f"price-{i}"})
            key = {"Idempotency-Key": f"submit-{i}"}
            submitted = send(http, f"{SUB}/rfps/{rfp_id}/proposals",
                             data={"message": f"client-{i}"}, headers=key)
            retried = send(http, f"{SUB}/rfps/{rfp_id}/proposals",
                           data={"message": f"client-{i}"}, headers=key)
        with lock:
            results["respond"].append((i, responded))
            results["price"].append((i, priced))
            results["submit"].append((i, submitted))
            results["retry"].append((i, retried))

    with serve_in_thread(create_app(busy.settings, runtime=busy)) as base:
        threads = [threading.Thread(target=work, args=(i, base)) for i in range(CLIENTS)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=600)

    for kind, expected in (("respond", {200}), ("price", {200}), ("submit", {201}), ("retry", {200})):
        statuses = Counter(r.status_code for _, r in results[kind])
        assert set(statuses) == expected and sum(statuses.values()) == CLIENTS, \
            (kind, statuses, [r.text for _, r in results[kind] if r.status_code not in expected][:2])

    submitted = {i: r.json() for i, r in results["submit"]}
    for i, retry in results["retry"]:  # a retry returns the first answer's version
        assert retry.headers["idempotent-replayed"] == "true"
        assert retry.json()["proposalId"] == submitted[i]["proposalId"]

    with runtime.sessions() as s:
        proposals = list(s.scalars(select(Proposal).where(Proposal.rfp_id == rfp_id)
                                   .order_by(Proposal.id)))
        entries = list(s.scalars(select(PriceEntry).where(PriceEntry.rfp_id == rfp_id)))
        rfp = s.get(Rfp, rfp_id)
        assert rfp is not None
        request_ids = [r.headers["x-request-id"] for kind in results for _, r in results[kind]]
        refused_ids = [r.headers["x-request-id"] for r in refused]
        logged = Counter(s.scalars(select(ApiRequest.request_id)
                                   .where(ApiRequest.request_id.in_(request_ids + refused_ids))))
        events = list(s.scalars(select(AuditEvent)
                                .where(AuditEvent.request_id.in_(request_ids + refused_ids))
                                .order_by(AuditEvent.id)))

    # No duplicate proposal; versions 1..50, strictly increasing in commit order.
    assert len(proposals) == CLIENTS
    assert [p.version for p in proposals] == list(range(1, CLIENTS + 1))
    assert sorted(v["version"] for v in submitted.values()) == list(range(1, CLIENTS + 1))
    assert sum(1 for p in proposals if p.superseded_at is None) == 1
    assert {p.message for p in proposals} == {f"client-{i}" for i in range(CLIENTS)}

    # No lost update: every client's extra row exists, and each line holds the price of the
    # last committed write to it (commit order = order of the budget_lines.priced events).
    extras = {e.description: e for e in entries if e.budget_line_id is None}
    assert set(extras) == {f"client-{i}" for i in range(CLIENTS)}
    assert all(extras[f"client-{i}"].total_price == Decimal(f"{1000 + i}.00")
               for i in range(CLIENTS))
    by_request = {r.headers["x-request-id"]: i for i, r in results["price"]}
    last_writer: dict[int, int] = {}
    for event in events:
        if event.event == "budget_lines.priced":
            for line_id in event.data["budgetLineIds"]:
                last_writer[line_id] = by_request[event.request_id]
    for entry in entries:
        if entry.budget_line_id is not None:
            assert entry.unit_price == Decimal(f"{last_writer[entry.budget_line_id] + 1}.00")

    # The response that stands is the last one committed (order of the rfp.responded events).
    responded = [e for e in events if e.event == "rfp.responded"]
    assert len(responded) == CLIENTS
    assert rfp.response_note == responded[-1].data["note"]
    assert rfp.response.value == responded[-1].data["response"]

    # One request-log row per call; one domain event per state change, none for replays.
    assert set(logged.values()) == {1}
    assert all(logged[rid] == 1 for rid in request_ids)
    # A 503 "busy" answer's own log row needs a free connection too: best effort, at most one.
    assert len(logged) - len(request_ids) <= len(refused)
    assert not [e for e in events if e.request_id in set(refused_ids)]  # 503s changed nothing
    per_call = Counter((e.request_id, e.event) for e in events)
    assert set(per_call.values()) == {1}
    priced_events = Counter(e.event for e in events if e.request_id in by_request)
    assert priced_events == {"budget_lines.priced": CLIENTS}
    submit_ids = {r.headers["x-request-id"] for _, r in results["submit"]}
    retry_ids = {r.headers["x-request-id"] for _, r in results["retry"]}
    assert Counter(e.event for e in events if e.request_id in submit_ids)["proposal.submitted"] \
        == CLIENTS
    assert not [e for e in events if e.request_id in retry_ids]


    print(f"concurrency: {CLIENTS} clients, {4 * CLIENTS} calls, {len(refused)} busy answers "
          "(503, retried), 0 lost updates, 0 duplicate proposals")
