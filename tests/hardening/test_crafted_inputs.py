"""Crafted inputs answer 4xx with a problem document (API) or a 4xx page (web), never 5xx."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select

from bidbridge.models import ApiRequest, CompanyKind
from tests.factories import auth, get_token
from tests.web.helpers import logged_in, post_form

HUGE = "9" * 20


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _logged(runtime, request_id: str) -> list[ApiRequest]:
    with runtime.sessions() as s:
        return list(s.scalars(select(ApiRequest).where(ApiRequest.request_id == request_id)))


def _assert_problem(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert response.headers["x-request-id"]


def test_deeply_nested_json_is_a_problem_document_with_a_log_row(client, factory, runtime):
    setup = factory.company()
    token = get_token(client, setup)
    body = '{"source":' + "[" * 3000 + "]" * 3000 + "}"
    response = client.post("/rest/subcontractor/v1/audit-log", content=body,
                           headers={**auth(token), "Content-Type": "application/json"})
    _assert_problem(response, 400, "malformed_body")
    assert "nested" in response.json()["detail"]
    rows = _logged(runtime, response.headers["x-request-id"])
    assert [(r.status, r.error_code) for r in rows] == [(400, "malformed_body")]


def test_json_nested_deeper_than_the_limit_is_refused_even_when_python_could_parse_it(
    client, factory
):
    setup = factory.company()
    token = get_token(client, setup)
    body = '{"lines":' + "[" * 100 + "]" * 100 + "}"
    response = client.post("/rest/subcontractor/v1/rfps/1/budget-lines", content=body,
                           headers={**auth(token), "Content-Type": "application/json"})
    _assert_problem(response, 400, "malformed_body")


def test_deep_nesting_inside_a_form_encoded_json_parameter_is_refused_by_name(client, factory):
    setup = factory.company()
    token = get_token(client, setup)
    response = client.post("/rest/subcontractor/v1/rfps/1/budget-lines", headers=auth(token),
                           data={"lines": "[" * 3000 + "]" * 3000})
    _assert_problem(response, 422, "invalid_parameters")
    assert [e["parameter"] for e in response.json()["errors"]] == ["lines"]


def test_a_5000_digit_json_number_is_refused(client, factory):
    setup = factory.company()
    token = get_token(client, setup)
    response = client.post("/rest/subcontractor/v1/audit-log", content='{"limit": ' + "1" * 5000 + "}",
                           headers={**auth(token), "Content-Type": "application/json"})
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("api", ["subcontractor", "contractor"])
def test_a_lone_surrogate_in_the_json_text_of_send_message_is_refused(client, factory, runtime,
                                                                      api):
    setup = factory.company(CompanyKind(api))
    token = get_token(client, setup, api=api)
    body = b'{"text": "\\ud800x"}'
    response = client.post(f"/rest/{api}/v1/rfps/1/messages", content=body,
                           headers={**auth(token), "Content-Type": "application/json"})
    _assert_problem(response, 400, "malformed_body")
    assert "text" in response.json()["detail"] and "surrogate" in response.json()["detail"]
    assert len(_logged(runtime, response.headers["x-request-id"])) == 1


def test_a_lone_surrogate_in_a_parameter_name_is_refused(client, factory):
    setup = factory.company()
    token = get_token(client, setup)
    response = client.post("/rest/subcontractor/v1/audit-log", content=b'{"\\udc00": 1}',
                           headers={**auth(token), "Content-Type": "application/json"})
    _assert_problem(response, 400, "malformed_body")


def test_a_lone_surrogate_inside_a_form_encoded_json_parameter_is_refused_by_name(client, factory):
    setup = factory.company()
    token = get_token(client, setup)
    response = client.post("/rest/subcontractor/v1/rfps/1/budget-lines", headers=auth(token),
                           data={"lines": '[{"description": "\\ud800"}]'})
    _assert_problem(response, 422, "invalid_parameters")
    assert [e["parameter"] for e in response.json()["errors"]] == ["lines"]


SUB_CURSORS = [f"r1:{HUGE}:1", f"r1:1:{HUGE}", f"r1:-{HUGE}:1", "r1:1:-5"]
CHANGE_CURSORS = [f"chg:{HUGE}:1", f"chg:1:{HUGE}", f"chg:-{HUGE}:1", "chg:1:-5"]
ID_CURSORS = [f"id:{HUGE}", f"id:-{HUGE}", "id:1e5"]


@pytest.mark.parametrize("raw", SUB_CURSORS)
def test_crafted_cursors_of_subcontractor_get_rfps(client, factory, raw):
    setup = factory.company()
    token = get_token(client, setup)
    response = client.post("/rest/subcontractor/v1/rfps", headers=auth(token),
                           data={"cursor": _cursor(raw)})
    _assert_problem(response, 422, "invalid_parameters")
    assert [e["parameter"] for e in response.json()["errors"]] == ["cursor"]


@pytest.mark.parametrize("path", ["/rfps", "/projects"])
@pytest.mark.parametrize("raw", CHANGE_CURSORS)
def test_crafted_cursors_of_contractor_listings(client, factory, raw, path):
    setup = factory.company(CompanyKind.CONTRACTOR)
    token = get_token(client, setup, api="contractor")
    response = client.post("/rest/contractor/v1" + path, headers=auth(token),
                           data={"cursor": _cursor(raw)})
    _assert_problem(response, 422, "invalid_parameters")
    assert [e["parameter"] for e in response.json()["errors"]] == ["cursor"]


@pytest.mark.parametrize("api", ["subcontractor", "contractor"])
@pytest.mark.parametrize("raw", ID_CURSORS)
def test_crafted_cursors_of_get_audit_log(client, factory, raw, api):
    setup = factory.company(CompanyKind(api))
    token = get_token(client, setup, api=api)
    for source in ("events", "requests"):
        response = client.post(f"/rest/{api}/v1/audit-log", headers=auth(token),
                               data={"cursor": _cursor(raw), "source": source})
        _assert_problem(response, 422, "invalid_parameters")
        assert [e["parameter"] for e in response.json()["errors"]] == ["cursor"]


def test_an_over_long_attachment_name_on_a_message_is_refused_by_name(client, factory):
    from tests.tendering_factory import tender

    setup = factory.company()
    t = tender(factory, [setup], lines=0, document_count=0)
    token = get_token(client, setup)
    name = "x" * 300 + ".pdf"
    response = client.post(f"/rest/subcontractor/v1/rfps/{t.rfp_for(setup).id}/messages",
                           headers=auth(token), data={"text": "see attached"},
                           files=[("attachments", (name, b"%PDF-1.4 x", "application/pdf"))])
    _assert_problem(response, 422, "invalid_parameters")
    assert [e["parameter"] for e in response.json()["errors"]] == ["attachments"]
    assert "255" in response.json()["detail"]


def test_an_over_long_attachment_name_on_a_proposal_is_refused_by_name(client, factory):
    from tests.tendering.proposals.helpers import bidder, submit

    b = bidder(client, factory, lines=0)
    response = submit(client, b, totalAmount="100.00",
                      files=[("y" * 300 + ".pdf", b"%PDF-1.4 y", "application/pdf")])
    _assert_problem(response, 422, "invalid_parameters")
    assert [e["parameter"] for e in response.json()["errors"]] == ["attachments"]


def _admin_browser(client, factory):
    setup = factory.company(CompanyKind.CONTRACTOR)
    logged_in(client, setup.admin.email)
    return setup


@pytest.mark.parametrize("query", ["before=²", f"before={HUGE}", "before=-1"])
def test_company_audit_page_with_crafted_before(client, factory, query):
    _admin_browser(client, factory)
    response = client.get("/account/audit?" + query)
    assert response.status_code in (200, 422), response.text
    if response.status_code == 200:
        assert "Audit log" in response.text


@pytest.mark.parametrize("query", ["before=²", f"before={HUGE}", "company=²", f"company={HUGE}",
                                   "company=1&before=²"])
def test_support_audit_page_with_crafted_values(client, factory, query):
    support = factory.support_user()
    logged_in(client, support.email)
    response = client.get("/support/audit?" + query)
    assert response.status_code in (200, 422), response.text


@pytest.mark.parametrize("company_id", [HUGE, "²", "-1"])
def test_support_company_page_with_a_crafted_id_is_not_found(client, factory, company_id):
    support = factory.support_user()
    logged_in(client, support.email)
    response = client.get(f"/support/companies/{company_id}", headers={"Accept": "text/html"})
    assert 400 <= response.status_code < 500, response.text
    assert "text/html" in response.headers["content-type"]


@pytest.mark.parametrize("value", ["²", HUGE, "١٢"])
def test_support_designation_with_a_crafted_contact_id(client, factory, value):
    support = factory.support_user()
    setup = factory.company(api=False)
    logged_in(client, support.email)
    page = f"/support/companies/{setup.company.id}"
    response = post_form(client, page, page + "/api-user", {"api_user_id": value})
    assert response.status_code == 422, response.text
    assert "contacts as the API user" in response.text


@pytest.mark.parametrize("value", ["²", HUGE, "١٢"])
def test_company_tab_activation_with_a_crafted_contact_id(client, factory, value):
    setup = factory.company(CompanyKind.CONTRACTOR, api=False)
    logged_in(client, setup.admin.email)
    response = post_form(client, "/account/company", "/account/company/activate",
                         {"api_user_id": value})
    assert response.status_code == 422, response.text
