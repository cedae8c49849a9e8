"""Webhook endpoints through the API, and deliveries to a real receiver on loopback: signed as
Standard Webhooks says (checked with the library's verifier), retried with the same webhook-id,
in order per RFP, rotation, replay, 410, days of failure, and the SSRF rules."""

from __future__ import annotations

from datetime import timedelta

from standardwebhooks.webhooks import Webhook

from bidbridge.models import RfpResponse
from bidbridge.services.webhook_delivery import BACKOFF, Worker
from tests.events.receiver import receiving
from tests.events.support import follow
from tests.events.test_feed import _respond
from tests.factories import get_token
from tests.tendering.sub.support import Sub, signed_in
from tests.tendering_factory import tender


def make_worker(runtime, allowed: str = "127.0.0.0/8", **overrides) -> Worker:
    settings = runtime.settings.model_copy(update={
        "webhook_allowed_networks": allowed, "webhook_timeout_seconds": 5.0, **overrides})
    return Worker(settings, runtime.sessions, runtime.clock, batch=8)


def drain(worker: Worker) -> int:
    total = 0
    while (n := worker.run_once()):
        total += n
    return total


def add(sub: Sub, url: str, **params: str) -> dict:
    response = sub.post("/webhook-endpoints", data={"url": url, **params})
    assert response.status_code == 201, response.text
    return response.json()


def deliveries(sub: Sub, endpoint_id: int) -> list[dict]:
    response = sub.post(f"/webhook-endpoints/{endpoint_id}/deliveries", data={"limit": "200"})
    assert response.status_code == 200, response.text
    return response.json()["deliveries"]


def test_manage_endpoints(factory, client):
    sub = signed_in(factory, client)
    created = add(sub, "https://erp.example.com/hooks", eventTypes="rfp.received",
                  description="ERP")
    assert created["secret"].startswith("whsec_") and created["enabled"] is True
    assert created["eventTypes"] == ["rfp.received"]
    listed = sub.get("/webhook-endpoints").json()
    assert [e["endpointId"] for e in listed] == [created["endpointId"]]
    assert "secret" not in listed[0]  # shown once
    eid = created["endpointId"]
    changed = sub.post(f"/webhook-endpoints/{eid}", data={"enabled": "0", "eventTypes": "*"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["enabled"] is False and changed.json()["eventTypes"] == []
    assert changed.json()["disabledReason"] == "disabled by you"
    bad = sub.post("/webhook-endpoints", data={"url": "https://user:pw@erp.example.com/"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["parameter"] == "url"
    bad = sub.post("/webhook-endpoints", data={"url": "https://x.example/",
                                               "eventTypes": "rfp.nope"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["parameter"] == "eventTypes"
    other = signed_in(factory, client)
    assert other.post(f"/webhook-endpoints/{eid}", data={"enabled": "1"}).status_code == 404
    assert other.get("/webhook-endpoints").json() == []
    gone = sub.post(f"/webhook-endpoints/{eid}/delete", data={"confirm": "delete"})
    assert gone.status_code == 200 and gone.json() == {"endpointId": eid, "deleted": True}
    assert sub.get("/webhook-endpoints").json() == []
    assert [e.event for e in factory.events(sub.company_id)
            if e.event.startswith("webhook_endpoint.")] == [
        "webhook_endpoint.added", "webhook_endpoint.updated", "webhook_endpoint.deleted"]


def test_delivered_signed_and_equal_to_the_feed(factory, client):
    sub = signed_in(factory, client)
    rfp = tender(factory, [sub.setup]).rfp_for(sub.setup)
    _, start = follow(sub)
    with receiving() as receiver:
        secret = add(sub, receiver.url)["secret"]
        _respond(factory, sub, rfp.id)
        assert drain(make_worker(factory.runtime)) == 1
        bodies = receiver.verified(secret)  # raises on a bad signature
        feed, _ = follow(sub, start)
        assert bodies == feed
        assert receiver.requests[0].webhook_id == f"evt_{feed[0]['id']}"
        assert receiver.requests[0].headers["content-type"] == "application/json"
    [row] = deliveries(sub, add_id(sub))
    assert row["status"] == "delivered" and row["attempts"] == 1
    assert row["lastStatusCode"] == 200 and row["webhookId"] == f"evt_{feed[0]['id']}"


def add_id(sub: Sub) -> int:
    return int(sub.get("/webhook-endpoints").json()[0]["endpointId"])


def test_receiver_down_then_back_gets_everything_once_in_order(factory, client, clock):
    sub = signed_in(factory, client)
    first = tender(factory, [sub.setup]).rfp_for(sub.setup)
    second = tender(factory, [sub.setup]).rfp_for(sub.setup)
    with receiving() as receiver:
        down = {"on": True}
        receiver.answer = lambda r: (503 if down["on"] else 200, {}, 0.0)
        secret = add(sub, receiver.url, eventTypes="rfp.changed")["secret"]
        _respond(factory, sub, first.id)
        _respond(factory, sub, second.id)
        _respond(factory, sub, first.id, RfpResponse.PENDING)
        worker = make_worker(factory.runtime)
        # Only the first event of each RFP is tried: the second of `first` waits behind it.
        assert drain(worker) == 2
        for step in BACKOFF[:3]:
            clock.advance(step.total_seconds())
            assert drain(worker) == 2
        rows = deliveries(sub, add_id(sub))
        assert sorted(r["attempts"] for r in rows) == [0, 4, 4]
        assert {r["lastStatusCode"] for r in rows if r["attempts"]} == {503}
        down["on"] = False
        clock.advance(BACKOFF[3].total_seconds())
        drain(worker)
        bodies = receiver.verified(secret)  # every attempt, each signature checked
        delivered = [(b["rfpId"], b["object"]["response"]["response"]) for b in bodies[-3:]]
        # In order per RFP: first's calculate before its pending; second anywhere.
        assert sorted(delivered) == sorted([(first.id, "calculate"), (second.id, "calculate"),
                                            (first.id, "pending")])
        assert delivered.index((first.id, "calculate")) < delivered.index((first.id, "pending"))
        # Every attempt of one event carried the same webhook-id; three events, three ids.
        assert len({r.webhook_id for r in receiver.requests}) == 3
        assert len(receiver.requests) == 4 * 2 + 1 + 2
    sub.token = get_token(client, sub.setup)  # the clock moved past the token's hour
    assert {r["status"] for r in deliveries(sub, add_id(sub))} == {"delivered"}


def test_rotation_signs_with_both_secrets_for_24_hours(factory, client, clock):
    sub = signed_in(factory, client)
    rfp = tender(factory, [sub.setup]).rfp_for(sub.setup)
    with receiving() as receiver:
        old = add(sub, receiver.url)["secret"]
        eid = add_id(sub)
        rotated = sub.post(f"/webhook-endpoints/{eid}/rotate-secret", data={})
        assert rotated.status_code == 200, rotated.text
        new = rotated.json()["secret"]
        assert new != old and rotated.json()["previousSecretValidUntil"] is not None
        _respond(factory, sub, rfp.id)
        worker = make_worker(factory.runtime)
        drain(worker)
        [during] = receiver.requests
        assert len(during.headers["webhook-signature"].split(" ")) == 2
        Webhook(old).verify(during.body, during.headers)
        Webhook(new).verify(during.body, during.headers)
        clock.advance(timedelta(hours=24, seconds=1).total_seconds())
        sub.token = get_token(client, sub.setup)
        _respond(factory, sub, rfp.id, RfpResponse.PENDING)
        drain(worker)
        after = receiver.requests[1]
        assert len(after.headers["webhook-signature"].split(" ")) == 1
        Webhook(new).verify(after.body, after.headers)
        try:
            Webhook(old).verify(after.body, after.headers)
        except Exception as exc:
            assert "signature" in str(exc).lower()
        else:
            raise AssertionError("the old secret still verifies after 24 h")


def test_replay_one_event_and_a_range_with_the_same_webhook_id(factory, client, clock):
    sub = signed_in(factory, client)
    rfp = tender(factory, [sub.setup]).rfp_for(sub.setup)
    with receiving() as receiver:
        add(sub, receiver.url, eventTypes="rfp.changed")
        eid = add_id(sub)
        started = clock.now()
        _respond(factory, sub, rfp.id)
        clock.advance(60)
        _respond(factory, sub, rfp.id, RfpResponse.PENDING)
        worker = make_worker(factory.runtime)
        drain(worker)
        first_ids = [r.webhook_id for r in receiver.requests]
        event_id = int(first_ids[0].removeprefix("evt_"))
        one = sub.post(f"/webhook-endpoints/{eid}/replay", data={"eventId": str(event_id)})
        assert one.status_code == 200 and one.json()["queued"] == 1
        drain(worker)
        assert receiver.requests[2].webhook_id == first_ids[0]
        since = int(started.timestamp())
        span = sub.post(f"/webhook-endpoints/{eid}/replay",
                        data={"since": str(since), "until": str(since + 3600)})
        assert span.json()["queued"] == 2
        drain(worker)
        assert [r.webhook_id for r in receiver.requests[3:]] == first_ids
        neither = sub.post(f"/webhook-endpoints/{eid}/replay", data={"since": str(since)})
        assert neither.status_code == 422
        other = signed_in(factory, client)
        assert other.post(f"/webhook-endpoints/{eid}/replay",
                          data={"eventId": str(event_id)}).status_code == 404


def test_410_disables_the_endpoint_and_the_user_is_told(factory, client):
    sub = signed_in(factory, client)
    rfp = tender(factory, [sub.setup]).rfp_for(sub.setup)
    _, start = follow(sub)
    with receiving() as receiver:
        receiver.answer = lambda r: (410, {}, 0.0)
        add(sub, receiver.url, eventTypes="rfp.changed")
        _respond(factory, sub, rfp.id)
        _respond(factory, sub, rfp.id, RfpResponse.PENDING)
        drain(make_worker(factory.runtime))
        assert len(receiver.requests) == 1
    [endpoint] = sub.get("/webhook-endpoints").json()
    assert endpoint["enabled"] is False and "410" in endpoint["disabledReason"]
    seen, _ = follow(sub, start, types="webhook_endpoint.disabled")
    assert [e["object"]["endpointId"] for e in seen] == [endpoint["endpointId"]]
    assert [e.event for e in factory.events(sub.company_id, "webhook_endpoint.disabled")]


def test_three_days_of_failure_disable_the_endpoint(factory, client, clock):
    sub = signed_in(factory, client)
    rfp = tender(factory, [sub.setup]).rfp_for(sub.setup)
    with receiving() as receiver:
        receiver.answer = lambda r: (500, {}, 0.0)
        add(sub, receiver.url, eventTypes="rfp.changed")
        _respond(factory, sub, rfp.id)
        worker = make_worker(factory.runtime)
        drain(worker)
        for step in BACKOFF:
            clock.advance(step.total_seconds())
            drain(worker)
        sub.token = get_token(client, sub.setup)
        [endpoint] = sub.get("/webhook-endpoints").json()
        assert endpoint["enabled"] is False
        assert "3 days" in endpoint["disabledReason"]
        tries = len(receiver.requests)
        assert 2 <= tries <= 10


def test_ssrf_loopback_private_and_redirects_are_refused(factory, client):
    sub = signed_in(factory, client)
    rfp = tender(factory, [sub.setup]).rfp_for(sub.setup)
    with receiving() as inner, receiving() as outer:
        outer.answer = lambda r: (302, {"location": inner.url}, 0.0)
        add(sub, outer.url, eventTypes="rfp.changed")
        add(sub, "http://10.1.2.3:9/hooks", eventTypes="rfp.changed")
        add(sub, "http://[::1]:9/hooks", eventTypes="rfp.changed")
        _respond(factory, sub, rfp.id)
        # Without the allowlist, loopback (where both receivers listen) is refused too.
        drain(make_worker(factory.runtime, allowed=""))
        assert outer.requests == [] and inner.requests == []
        endpoints = sub.get("/webhook-endpoints").json()
        errors = {e["url"]: deliveries(sub, e["endpointId"])[0]["lastError"] for e in endpoints}
        assert all(error and error.startswith("refused") for error in errors.values()), errors
        # Loopback allowed: the redirect is answered, not followed.
        worker = make_worker(factory.runtime, allowed="127.0.0.0/8")
        worker.clock.advance(BACKOFF[0].total_seconds())  # type: ignore[attr-defined]
        drain(worker)
        assert len(outer.requests) == 1 and inner.requests == []
        [redirected] = deliveries(sub, endpoints[0]["endpointId"])
        assert redirected["lastStatusCode"] == 302 and redirected["status"] == "pending"
        assert "redirect" in redirected["lastError"]




def test_no_webhooks_while_the_api_module_is_off_but_the_news_that_it_went_off(factory, client):
    from bidbridge.models import Company
    from bidbridge.services import api_access
    from bidbridge.services.context import Actor

    sub = signed_in(factory, client)
    rfp = tender(factory, [sub.setup]).rfp_for(sub.setup)
    with receiving() as receiver:
        secret = add(sub, receiver.url)["secret"]
        support = factory.ctx(Actor("support", None, "Support"))
        with factory.runtime.sessions() as s, s.begin():
            api_access.deactivate_api(s, support, s.get(Company, sub.company_id))
        _respond(factory, sub, rfp.id)  # the company still works in the web app
        drain(make_worker(factory.runtime))
        assert [b["type"] for b in receiver.verified(secret)] == ["api_module.deactivated"]
