"""Audit views: administrators see their company's log, support sees every company's; CSV too."""

from __future__ import annotations

import csv
import io

from bidbridge.services.audit import record_event
from bidbridge.services.audit_queries import AuditFilter, AuditScope, list_events
from bidbridge.services.context import Actor
from tests.factories import auth, get_token
from tests.web.helpers import logged_in


def _rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def _two_companies_with_traffic(client, factory):
    mine, theirs = factory.company(), factory.company()
    for setup in (mine, theirs):
        token = get_token(client, setup)
        client.get("/rest/subcontractor/v1/me", headers=auth(token))
        client.get("/rest/subcontractor/v1/me", headers=auth("f" * 128))
    return mine, theirs


def test_audit_tab_only_for_administrators(client, factory):
    setup = factory.company()
    logged_in(client, setup.api_user.email)
    assert 'href="/account/audit"' not in client.get("/account").text
    assert client.get("/account/audit").status_code == 404
    assert client.get("/account/audit.csv").status_code == 404


def test_admin_sees_only_their_company_events_and_requests(client, factory):
    mine, theirs = _two_companies_with_traffic(client, factory)
    logged_in(client, mine.admin.email)
    events = client.get("/account/audit")
    assert events.status_code == 200
    assert "api_module.activated" in events.text and "token.issued" in events.text
    assert mine.api_user.name in events.text
    assert theirs.api_user.name not in events.text and theirs.admin.name not in events.text
    requests = client.get("/account/audit", params={"view": "requests"})
    assert "getMe" in requests.text and "getToken" in requests.text
    assert theirs.api_user.name not in requests.text


def test_admin_csv_exports_only_their_rows_with_filters(client, factory):
    mine, theirs = _two_companies_with_traffic(client, factory)
    logged_in(client, mine.admin.email)
    events = _rows(client.get("/account/audit.csv"))
    assert events and {r["company_id"] for r in events} == {str(mine.company.id)}
    assert "api_key.generated" in {r["event"] for r in events}
    keyed = _rows(client.get("/account/audit.csv", params={"name": "api_key."}))
    assert {r["event"] for r in keyed} == {"api_key.generated"}

    requests = _rows(client.get("/account/audit.csv", params={"view": "requests"}))
    assert {r["company_id"] for r in requests} == {str(mine.company.id)}
    assert sorted(r["function"] for r in requests) == ["getMe", "getToken"]
    assert "[redacted]" in next(r["query_params"] for r in requests if r["function"] == "getToken")
    assert mine.api_key not in client.get("/account/audit.csv", params={"view": "requests"}).text
    ok = _rows(client.get("/account/audit.csv", params={"view": "requests", "status": "2xx"}))
    assert {r["status"] for r in ok} == {"200"}
    # Another company's id in the URL changes nothing: the scope is the session's company.
    sneaky = _rows(client.get("/account/audit.csv", params={"company": str(theirs.company.id)}))
    assert {r["company_id"] for r in sneaky} == {str(mine.company.id)}


def test_date_filters_and_bad_filter_message(client, factory, clock):
    setup = factory.company()
    logged_in(client, setup.admin.email)
    today = clock.now().date().isoformat()
    assert _rows(client.get("/account/audit.csv", params={"from": today, "to": today}))
    assert _rows(client.get("/account/audit.csv", params={"from": "2001-01-01",
                                                          "to": "2001-01-02"})) == []
    bad = client.get("/account/audit", params={"view": "requests", "from": "yesterday",
                                               "status": "abc"})
    assert bad.status_code == 422
    assert "from: expected a date like 2026-11-27" in bad.text
    assert "status: expected an HTTP status like 401 or a class like 4xx" in bad.text


def test_support_sees_every_company_and_filters_by_one(client, factory):
    mine, theirs = _two_companies_with_traffic(client, factory)
    support = factory.support_user()
    logged_in(client, support.email)
    rows = _rows(client.get("/support/audit.csv", params={"view": "requests"}))
    companies = {r["company_id"] for r in rows}
    assert {str(mine.company.id), str(theirs.company.id)} <= companies
    one = _rows(client.get("/support/audit.csv", params={"company": str(theirs.company.id)}))
    assert one and {r["company_id"] for r in one} == {str(theirs.company.id)}
    page = client.get("/support/audit", params={"company": str(mine.company.id)})
    assert page.status_code == 200 and mine.api_user.name in page.text
    assert theirs.api_user.name not in page.text
    setup = factory.company()
    logged_in(client, setup.admin.email)
    assert client.get("/support/audit").status_code == 404
    assert client.get("/support/audit.csv").status_code == 404


def test_keyset_pages_are_newest_first_and_complete(client, factory, runtime):
    setup = factory.company(api=False)
    with runtime.sessions() as s, s.begin():
        ctx = factory.ctx(Actor.system("bulk"))
        for n in range(105):
            record_event(s, ctx, "test.bulk", company_id=setup.company.id, data={"n": n})
    logged_in(client, setup.admin.email)
    first = client.get("/account/audit", params={"name": "test.bulk"})
    assert first.text.count("<code>test.bulk</code>") == 100
    assert "Older →" in first.text
    older = first.text.split('href="/account/audit?')[-1].split('"')[0].replace("&amp;", "&")
    second = client.get("/account/audit?" + older)
    assert second.text.count("<code>test.bulk</code>") == 5
    assert "Older →" not in second.text
    assert len(_rows(client.get("/account/audit.csv", params={"name": "test.bulk"}))) == 105
    with runtime.sessions() as s:
        scope, f = AuditScope.company(setup.company.id), AuditFilter(name="test.bulk")
        page1 = list_events(s, scope, f, limit=60)
        page2 = list_events(s, scope, f, before=page1.next_before, limit=60)
    ids = [r.id for r in page1.rows + page2.rows]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 105
    assert page2.next_before is None


def test_csv_neutralises_formulas(client, factory, runtime):
    setup = factory.company(api=False)
    with runtime.sessions() as s, s.begin():
        record_event(s, factory.ctx(Actor("system", None, "=HYPERLINK(\"x\")")), "test.formula",
                     company_id=setup.company.id)
    logged_in(client, setup.admin.email)
    rows = _rows(client.get("/account/audit.csv", params={"name": "test.formula"}))
    assert rows[0]["actor_name"] == "'=HYPERLINK(\"x\")"
