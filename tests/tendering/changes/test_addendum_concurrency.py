"""An addendum published while 20 subcontractors submit, through a live server, on both databases.

Every submission is either accepted before the addendum (and then needs reconfirmation, with a
snapshot of the bill as it stood before) or refused as unacknowledged; none is accepted against
a bill it did not see."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import httpx
from sqlalchemy import select

from bidbridge.app import create_app
from bidbridge.models import Addendum, Proposal
from tests.factories import auth
from tests.live import serve_in_thread
from tests.runtime_variants import runtime_with
from tests.tendering.changes.helpers import SUB, world

BIDDERS = 20
CONTRACTOR = "/rest/contractor/v1"


def test_an_addendum_published_while_twenty_bidders_submit(runtime, factory, client) -> None:
    busy = runtime_with(runtime, rate_limit_token_requests=0, rate_limit_company_requests=0)
    w = world(factory, client, bidders=BIDDERS)
    one = w.line_ids[0]
    for b in w.bidders:
        b.price_all(w.line_ids)
    results: dict[int, httpx.Response] = {}
    published: list[httpx.Response] = []
    before_publish: set[int] = set()  # bidders whose submission answered before publishing began
    lock = threading.Lock()
    some_done = threading.Event()
    start = threading.Barrier(BIDDERS + 1)

    def send(http: httpx.Client, url: str, data: dict[str, str]) -> httpx.Response:
        for _ in range(30):  # back off on 503 as an integrator's client does
            response = http.post(url, data=data)
            if response.status_code != 503:
                return response
            time.sleep(float(response.headers["retry-after"]))
        raise AssertionError(f"{url} still answered 503 after 30 tries")

    def submit(i: int, base: str) -> None:
        b = w.bidders[i]
        with httpx.Client(base_url=base, timeout=120, headers=auth(b.token)) as http:
            start.wait()
            response = send(http, f"{SUB}/rfps/{b.rfp_id}/proposals", {"message": f"bid-{i}"})
        with lock:
            results[i] = response
            if len(results) == 5:
                some_done.set()

    def publish(base: str) -> None:
        with httpx.Client(base_url=base, timeout=120, headers=auth(w.gc.token)) as http:
            start.wait()
            some_done.wait(timeout=120)
            with lock:
                before_publish.update(results)
            published.append(send(http, f"{CONTRACTOR}/workpackages/{w.wp['id']}/addenda", {
                "text": "Quantity of 22.01 corrected.",
                "lines": f'[{{"action": "change", "budgetLineId": {one}, "quantity": "200"}}]'}))

    with serve_in_thread(create_app(busy.settings, runtime=busy)) as base:
        threads = [threading.Thread(target=submit, args=(i, base)) for i in range(BIDDERS)]
        threads.append(threading.Thread(target=publish, args=(base,)))
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=600)

    assert len(published) == 1 and published[0].status_code == 201, published[0].text
    statuses = Counter(r.status_code for r in results.values())
    assert len(results) == BIDDERS and set(statuses) <= {201, 409}, \
        [r.text for r in results.values() if r.status_code not in (201, 409)][:2]
    for i, response in results.items():
        if response.status_code == 409:
            body = response.json()
            assert (body["code"], body["missing"]) == ("addendum_unacknowledged", [1])
            assert i not in before_publish
    accepted = {i for i, r in results.items() if r.status_code == 201}
    assert before_publish <= accepted and len(before_publish) >= 5

    with runtime.sessions() as s:
        addendum = s.scalar(select(Addendum).where(Addendum.workpackage_id == w.wp["id"]))
        assert addendum is not None
        proposals = {p.rfp_id: p for p in s.scalars(select(Proposal).where(
            Proposal.rfp_id.in_([b.rfp_id for b in w.bidders])))}
    assert len(proposals) == len(accepted)
    for i in accepted:
        b = w.bidders[i]
        proposal = proposals[b.rfp_id]
        # Accepted before the addendum: the bill it priced is the one before the change...
        assert proposal.addendum_number == 0
        assert proposal.submitted_at <= addendum.published_at
        quantities: dict[Any, Any] = {line["budgetLineId"]: line["quantity"]
                                      for line in proposal.lines}
        assert quantities[one] == "120.500"
        # ...and it now needs reconfirmation.
        listed = b.get(f"/rfps/{b.rfp_id}/proposals").json()
        assert [p["state"] for p in listed] == ["needs_reconfirmation"]
