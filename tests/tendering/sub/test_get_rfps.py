import base64

from bidbridge.clock import unix
from bidbridge.models import RfpResponse, RfpStatus
from tests.tendering.sub.support import edit_rfp, load_rfp, signed_in
from tests.tendering_factory import tender


def _ids(response):
    assert response.status_code == 200, response.text
    return [item["rfpId"] for item in response.json()["rfps"]]


def _page_through(sub, limit, between_pages=None, **params):
    """Every rfpId in order across all pages; between_pages(n) runs after page n."""
    seen, cursor, page = [], None, 0
    while True:
        data = {"limit": str(limit), **params}
        if cursor:
            data["cursor"] = cursor
        body = sub.post("/rfps", data).json()
        seen.extend(i["rfpId"] for i in body["rfps"])
        page += 1
        cursor = body["nextCursor"]
        if cursor is None:
            return seen
        if between_pages:
            between_pages(page)


def test_lists_only_own_rfps_with_summary_values(factory, client, clock):
    sub = signed_in(factory, client)
    other = factory.company()
    t = tender(factory, [sub.setup, other])
    mine = t.rfp_for(sub.setup)
    response = sub.post("/rfps")
    assert _ids(response) == [mine.id]
    item = response.json()["rfps"][0]
    assert item == {
        "rfpId": mine.id, "projectId": t.project.id, "projectName": t.project.name,
        "workpackageId": t.workpackage.id, "workpackageCode": "22",
        "workpackageName": t.workpackage.name, "contractorName": t.contractor.company.name,
        "deadline": unix(t.project.deadline_date), "status": None, "response": None,
        "forwarded": False, "updatedAt": unix(mine.updated_at), "proposalVersion": None,
        "latestAddendum": 0, "outcome": None,
    }
    assert response.json()["nextCursor"] is None


def test_status_filter_matches_shared_status_only(factory, client):
    sub = signed_in(factory, client)
    shared, internal, other = (tender(factory, [sub.setup]).rfp_for(sub.setup) for _ in range(3))
    edit_rfp(factory, shared.id, status=RfpStatus.CALCULATING, status_shared=True)
    edit_rfp(factory, internal.id, status=RfpStatus.CALCULATING, status_shared=False)
    edit_rfp(factory, other.id, status=RfpStatus.PENDING, status_shared=True)
    assert _ids(sub.post("/rfps", {"status": "calculating"})) == [shared.id]
    # The internal status is not findable under any value, and not shown.
    for status in RfpStatus:
        assert internal.id not in _ids(sub.post("/rfps", {"status": status.value}))
    listed = {i["rfpId"]: i["status"] for i in sub.post("/rfps").json()["rfps"]}
    assert listed == {shared.id: "calculating", internal.id: None, other.id: "pending"}


def test_response_and_project_filters(factory, client):
    sub = signed_in(factory, client)
    t1, t2 = tender(factory, [sub.setup]), tender(factory, [sub.setup])
    a, b = t1.rfp_for(sub.setup), t2.rfp_for(sub.setup)
    edit_rfp(factory, a.id, response=RfpResponse.DECLINE)
    assert _ids(sub.post("/rfps", {"response": "decline"})) == [a.id]
    assert _ids(sub.post("/rfps", {"response": "none"})) == [b.id]
    assert _ids(sub.post("/rfps", {"response": "calculate"})) == []
    assert _ids(sub.post("/rfps", {"projectId": str(t2.project.id)})) == [b.id]


def test_project_of_another_company_is_not_found(factory, client):
    sub = signed_in(factory, client)
    foreign = tender(factory, [factory.company()])
    response = sub.post("/rfps", {"projectId": str(foreign.project.id)})
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "not_found" and "rfps" not in body
    assert str(foreign.project.id) in body["detail"]


def test_updated_since_is_inclusive_and_follows_changes(factory, client, clock):
    sub = signed_in(factory, client)
    old = tender(factory, [sub.setup]).rfp_for(sub.setup)
    clock.advance(100)
    mark = unix(clock.now())
    new = tender(factory, [sub.setup]).rfp_for(sub.setup)
    assert _ids(sub.post("/rfps", {"updatedSince": str(mark)})) == [new.id]
    assert _ids(sub.post("/rfps", {"updatedSince": str(mark + 1)})) == []
    clock.advance(50)
    edit_rfp(factory, old.id, status_shared=True)  # a change moves it past the mark, at the end
    assert _ids(sub.post("/rfps", {"updatedSince": str(mark)})) == [new.id, old.id]


def test_order_is_by_change_then_id(factory, client, clock):
    sub = signed_in(factory, client)
    t = tender(factory, [sub.setup])
    same_time = [tender(factory, [sub.setup], contractor=t.contractor).rfp_for(sub.setup)
                 for _ in range(3)]
    first = t.rfp_for(sub.setup)
    clock.advance(5)
    edit_rfp(factory, first.id, status_shared=True)
    assert _ids(sub.post("/rfps")) == [*sorted(r.id for r in same_time), first.id]


def test_paging_never_loses_an_rfp_updated_meanwhile(factory, client, clock):
    sub = signed_in(factory, client)
    rfps = []
    for _ in range(7):
        rfps.append(tender(factory, [sub.setup], document_count=0, lines=0).rfp_for(sub.setup))
        clock.advance(1)
    order = [r.id for r in rfps]
    assert _page_through(sub, 3) == order

    def meanwhile(page):
        clock.advance(10)
        if page == 1:
            # Already seen (on page 1) and not yet seen (page 3): both must show up later.
            edit_rfp(factory, order[0], status_shared=True)
            edit_rfp(factory, order[6], status_shared=True)
        if page == 2:
            edit_rfp(factory, order[4], status_shared=True)

    seen = _page_through(sub, 3, between_pages=meanwhile)
    # Pages 1 and 2 as before; then what changed meanwhile, in the order it changed. o0 and o4
    # were already seen and come again with their change; o6 moved past them but is not lost.
    assert seen == [*order[:6], order[0], order[6], order[4]]
    assert set(seen) == set(order)


def test_pages_use_the_limit_and_an_opaque_cursor(factory, client, clock):
    sub = signed_in(factory, client)
    for _ in range(5):
        tender(factory, [sub.setup], document_count=0, lines=0)
        clock.advance(1)
    first = sub.post("/rfps", {"limit": "2"}).json()
    assert len(first["rfps"]) == 2
    cursor = first["nextCursor"]
    decoded = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    last = first["rfps"][-1]
    assert decoded.startswith("r1:") and decoded.endswith(f":{last['rfpId']}")
    second = sub.post("/rfps", {"limit": "2", "cursor": cursor}).json()
    assert [i["rfpId"] for i in second["rfps"]] != [i["rfpId"] for i in first["rfps"]]
    assert second["rfps"][0]["updatedAt"] >= last["updatedAt"]
    default = sub.post("/rfps").json()
    assert len(default["rfps"]) == 5 and default["nextCursor"] is None


def test_bad_parameters_are_named(factory, client):
    sub = signed_in(factory, client)
    response = sub.post("/rfps", {"limit": "201", "status": "calculatingX", "response": "maybe",
                                  "cursor": "bm90LWEtY3Vyc29y", "updatedSince": "12abc"})
    assert response.status_code == 422
    names = {e["parameter"] for e in response.json()["errors"]}
    assert names == {"limit", "status", "response", "updatedSince"}
    bad_cursor = sub.post("/rfps", {"cursor": "bm90LWEtY3Vyc29y"})
    assert bad_cursor.status_code == 422
    assert bad_cursor.json()["errors"][0]["parameter"] == "cursor"
    assert sub.post("/rfps", {"limit": "0"}).status_code == 422
    assert sub.post("/rfps", {"limit": "200"}).status_code == 200


def test_proposal_version_and_forwarded_flag_in_summary(factory, client):
    from bidbridge.models import ProposalState
    from tests.tendering.sub.support import add_proposal

    sub = signed_in(factory, client)
    t = tender(factory, [sub.setup])
    rfp = t.rfp_for(sub.setup)
    add_proposal(factory, rfp.id, version=1)
    add_proposal(factory, rfp.id, version=2, state=ProposalState.WITHDRAWN)
    item = sub.post("/rfps").json()["rfps"][0]
    assert item["proposalVersion"] == 1
    assert load_rfp(factory, rfp.id).forwarded_to_company_id is None
    assert item["forwarded"] is False
