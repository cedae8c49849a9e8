"""getEvents: events written with the change, the payload as getRfp renders it, the cursor, the
filters, 410 for an expired cursor, one company's events only, and the commit-order race."""

from __future__ import annotations

import threading
from datetime import timedelta

from bidbridge.models import Company, RfpResponse, RfpStatus, Workpackage
from bidbridge.services import api_access, invitations, rfp_status, rfps
from bidbridge.services.context import Actor
from tests.events.support import feed, follow
from tests.factories import get_token
from tests.tendering.sub.support import Sub, load_rfp, signed_in
from tests.tendering_factory import tender


def _respond(factory, sub: Sub, rfp_id: int, response: RfpResponse = RfpResponse.CALCULATE):
    actor = Actor("contact", sub.setup.api_user.id, sub.setup.api_user.name, sub.company_id)
    with factory.runtime.sessions() as s, s.begin():
        rfps.respond_to_rfp(s, factory.ctx(actor), sub.company_id, rfp_id, response, None)


def test_invitation_becomes_rfp_received_with_the_rfp_as_get_rfp_renders_it(factory, client):
    sub = signed_in(factory, client)
    t = tender(factory, [])
    _, start = follow(sub)  # the module's activation is in the feed already
    contractor = Actor("contact", t.contractor.admin.id, t.contractor.admin.name,
                       t.contractor.company.id)
    with factory.runtime.sessions() as s, s.begin():
        wp = s.get(Workpackage, t.workpackage.id)
        invitations.invite(s, factory.ctx(contractor), wp, t.contractor.company.id,
                           invitations.Invitee(company_id=sub.company_id))
    events, _ = follow(sub, start)
    assert [e["type"] for e in events] == ["rfp.received"]
    event = events[0]
    rfp_id = event["rfpId"]
    assert event["subjectType"] == "rfp" and event["subjectId"] == rfp_id
    assert event["object"] == sub.get(f"/rfps/{rfp_id}").json()


def test_cursor_gives_every_event_once_in_order_and_filters(factory, client):
    sub = signed_in(factory, client)
    first = tender(factory, [sub.setup]).rfp_for(sub.setup)
    second = tender(factory, [sub.setup]).rfp_for(sub.setup)
    _, start = follow(sub)
    _respond(factory, sub, first.id)
    _respond(factory, sub, second.id)
    _respond(factory, sub, first.id, RfpResponse.PENDING)
    seen, cursor = follow(sub, start, limit=1)
    assert [(e["type"], e["rfpId"]) for e in seen] == [
        ("rfp.changed", first.id), ("rfp.changed", second.id), ("rfp.changed", first.id)]
    assert seen[0]["data"] == {"changed": ["response"]}
    assert seen[0]["object"]["response"]["response"] == "calculate"
    assert seen[2]["object"]["response"]["response"] == "pending"  # as it was at that moment
    assert len({e["id"] for e in seen}) == 3
    again, same = follow(sub, cursor)
    assert again == [] and same  # nothing new; the cursor stays usable
    only_first, _ = follow(sub, start, rfpId=first.id)
    assert [e["rfpId"] for e in only_first] == [first.id, first.id]
    by_subject, _ = follow(sub, start, subjectType="rfp", subjectId=second.id)
    assert [e["subjectId"] for e in by_subject] == [second.id]
    assert follow(sub, start, types="rfp.received,message.received")[0] == []


def test_bad_filters_and_cursors_are_named(factory, client):
    sub = signed_in(factory, client)
    response = sub.post("/events", data={"types": "rfp.nonsense"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["parameter"] == "types"
    response = sub.post("/events", data={"subjectId": "5"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["parameter"] == "subjectType"
    response = sub.post("/events", data={"cursor": "bm90LWEtY3Vyc29y"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["parameter"] == "cursor"


def test_a_cursor_older_than_the_retention_answers_410(factory, client, clock):
    sub = signed_in(factory, client)
    rfp = tender(factory, [sub.setup]).rfp_for(sub.setup)
    _, cursor = follow(sub)
    _respond(factory, sub, rfp.id)
    clock.advance(timedelta(days=29).total_seconds())
    sub.token = get_token(client, sub.setup)
    seen, fresh = follow(sub, cursor)
    assert len(seen) == 1
    clock.advance(timedelta(days=2).total_seconds())
    sub.token = get_token(client, sub.setup)
    response = sub.post("/events", data={"cursor": cursor})
    assert response.status_code == 410
    assert response.json()["code"] == "cursor_expired"
    # The cursor handed out at the end of the feed two days ago is still good.
    assert feed(sub, cursor=fresh)["events"] == []


def test_other_companies_events_stay_theirs(factory, client):
    ours = signed_in(factory, client)
    theirs = signed_in(factory, client)
    t = tender(factory, [ours.setup, theirs.setup])
    _, start = follow(ours)
    _respond(factory, theirs, t.rfp_for(theirs.setup).id)
    assert follow(ours, start)[0] == []
    assert [e["type"] for e in follow(theirs)[0]] == ["api_module.activated", "rfp.changed"]


def test_status_shared_and_outcome_module_and_key(factory, client):
    sub = signed_in(factory, client)
    t = tender(factory, [sub.setup])
    rfp = t.rfp_for(sub.setup)
    _, start = follow(sub)
    contractor = Actor("contact", t.contractor.admin.id, t.contractor.admin.name,
                       t.contractor.company.id)
    with factory.runtime.sessions() as s, s.begin():
        row = load_rfp(factory, rfp.id)
        row = s.merge(row)
        # An internal status is not the subcontractor's to see: no event.
        rfp_status.set_status(s, factory.ctx(contractor), row, status=RfpStatus.WITHIN_BUDGET,
                              shared=False)
    assert follow(sub, start)[0] == []
    with factory.runtime.sessions() as s, s.begin():
        row = s.merge(load_rfp(factory, rfp.id))
        rfp_status.set_status(s, factory.ctx(contractor), row, status=RfpStatus.AWARDED,
                              shared=True)
    seen, cursor = follow(sub, start)
    assert [e["type"] for e in seen] == ["rfp.outcome"]
    assert seen[0]["object"]["status"] == "awarded"
    factory.generate_key(sub.setup.api_user)
    support = factory.ctx(Actor("support", None, "Support"))
    with factory.runtime.sessions() as s, s.begin():
        company = s.get(Company, sub.company_id)
        api_access.deactivate_api(s, support, company)
    with factory.runtime.sessions() as s, s.begin():
        api_access.activate_api(s, support, s.get(Company, sub.company_id))
    sub.setup.api_key = factory.generate_key(sub.setup.api_user)
    sub.token = get_token(client, sub.setup)
    seen, _ = follow(sub, cursor)
    assert [e["type"] for e in seen] == ["api_key.regenerated", "api_module.deactivated",
                                         "api_module.activated", "api_key.regenerated"]
    assert seen[1]["object"] == {"companyId": sub.company_id, "active": False,
                                 "changedAt": seen[1]["occurredAt"]}
    assert seen[0]["object"]["keyPrefix"].startswith("bb_")


def test_the_first_transaction_to_start_commits_last_and_nothing_is_skipped(
        factory, client, backend):
    """T1 writes its event first and commits last; T2 writes after it and commits first. A
    reader between the two commits must not move its cursor past T1's event."""
    sub = signed_in(factory, client)
    one = tender(factory, [sub.setup]).rfp_for(sub.setup)
    two = tender(factory, [sub.setup]).rfp_for(sub.setup)
    _, start = follow(sub)
    actor = Actor("contact", sub.setup.api_user.id, sub.setup.api_user.name, sub.company_id)
    t1 = factory.runtime.sessions()
    t1.begin()
    rfps.respond_to_rfp(t1, factory.ctx(actor), sub.company_id, one.id, RfpResponse.CALCULATE,
                        None)
    t1.flush()
    t2_done = threading.Event()

    def second() -> None:
        with factory.runtime.sessions() as s, s.begin():
            rfps.respond_to_rfp(s, factory.ctx(actor), sub.company_id, two.id,
                                RfpResponse.PENDING, None)
        t2_done.set()

    worker = threading.Thread(target=second)
    worker.start()
    if backend == "postgresql":
        worker.join(timeout=10)
        assert t2_done.is_set()  # T2 committed while T1 is still open
        between, cursor = follow(sub, start, wait=False)
        # T2's event is committed but not served: T1 is still in flight below it.
        assert between == []
    else:
        # SQLite: one writer at a time, so T2 cannot commit before T1 does (and an API call,
        # which writes its log row, would wait for T1 too).
        assert not t2_done.wait(timeout=0.5)
        between, cursor = [], start
    t1.commit()
    t1.close()
    worker.join(timeout=10)
    assert t2_done.is_set()
    after, _ = follow(sub, cursor)
    assert sorted(e["rfpId"] for e in between + after) == sorted([one.id, two.id])
    assert len({e["id"] for e in between + after}) == 2
