"""Hostile inputs the OpenAPI document does not describe, so schemathesis never makes them:
crafted cursors, deep nesting, lone surrogates, over-long file names, and the web forms' fields.
Hypothesis generates them; no answer may be a 5xx, and API answers are problem documents.

Examples per test: BIDBRIDGE_FUZZ_CRAFTED_EXAMPLES (default 40), per database.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from bidbridge.models import CompanyKind
from tests.factories import auth
from tests.tendering_factory import tender
from tests.web.helpers import csrf_from, logged_in

EXAMPLES = int(os.environ.get("BIDBRIDGE_FUZZ_CRAFTED_EXAMPLES", "40"))
RUN = settings(max_examples=EXAMPLES, deadline=None, database=None,
               suppress_health_check=list(HealthCheck))

numbers = st.one_of(st.integers(min_value=-(10**25), max_value=10**25).map(str),
                    st.sampled_from(["", "-0", "1_000", " 7", "1e9", "٣", "²", "0x10", "9" * 40]))
cursor_texts = st.one_of(
    st.builds(lambda tag, a, b: f"{tag}:{a}:{b}", st.sampled_from(["r1", "chg", "id", "x"]),
              numbers, numbers),
    st.builds(lambda a: f"id:{a}", numbers),
    st.text(max_size=60))


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode("utf-8", "surrogatepass")).decode().rstrip("=")


def _nested(depth: int, opener: str) -> str:
    closer = {"[": "]", "{": "}"}[opener]
    inner = '"a":' if opener == "{" else ""
    return (opener + inner) * depth + "1" + closer * depth if opener == "{" else \
        opener * depth + closer * depth


surrogate_texts = st.builds(lambda before, s, after: before + s + after, st.text(max_size=10),
                            st.sampled_from(["\\ud800", "\\udfff", "\\udc00\\ud800", "\\ud83d"]),
                            st.text(max_size=10))


def _problem(response: Any) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json", response.text


@pytest.fixture
def fuzz_client(fuzz_app: Any) -> Any:
    with TestClient(fuzz_app, base_url="http://testserver") as c:
        yield c


def test_crafted_cursors(fuzz_client: Any, fuzz_tokens: dict[str, str]) -> None:
    calls = [("subcontractor", "/rfps"), ("subcontractor", "/audit-log"),
             ("contractor", "/rfps"), ("contractor", "/projects"), ("contractor", "/audit-log")]

    @given(text=cursor_texts, call=st.sampled_from(calls),
           source=st.sampled_from([None, "events", "requests"]))
    @RUN
    def run(text: str, call: tuple[str, str], source: str | None) -> None:
        api, path = call
        data = {"cursor": _cursor(text)}
        if source and path == "/audit-log":
            data["source"] = source
        _problem(fuzz_client.post(f"/rest/{api}/v1{path}", data=data,
                                  headers=auth(fuzz_tokens[api])))

    run()


def test_deep_nesting_and_surrogates_in_json(fuzz_client: Any, fuzz_tokens: dict[str, str]) -> None:
    paths = ["/rest/subcontractor/v1/audit-log", "/rest/subcontractor/v1/rfps/1/budget-lines",
             "/rest/subcontractor/v1/rfps/1/messages", "/rest/contractor/v1/project",
             "/rest/subcontractor/v1/tokens"]

    @given(path=st.sampled_from(paths), depth=st.integers(min_value=1, max_value=4000),
           opener=st.sampled_from(["[", "{"]), text=surrogate_texts,
           shape=st.sampled_from(["nested", "surrogate", "surrogate-key", "nested-form"]))
    @RUN
    def run(path: str, depth: int, opener: str, text: str, shape: str) -> None:
        api = "contractor" if "/contractor/" in path else "subcontractor"
        headers = {**auth(fuzz_tokens[api]), "Content-Type": "application/json"}
        if shape == "nested":
            body = '{"lines": ' + _nested(depth, opener) + "}"
        elif shape == "surrogate":
            body = '{"text": "' + json.dumps(text)[1:-1].replace("\\\\u", "\\u") + '", "name": "x"}'
        elif shape == "surrogate-key":
            body = '{"' + json.dumps(text)[1:-1].replace("\\\\u", "\\u") + '": 1}'
        else:
            response = fuzz_client.post(path, headers=auth(fuzz_tokens[api]),
                                        data={"lines": _nested(depth, opener)})
            _problem(response)
            return
        _problem(fuzz_client.post(path, content=body.encode(), headers=headers))

    run()


def test_over_long_file_names(fuzz_client: Any, fuzz_tokens: dict[str, str], factory: Any) -> None:
    sub = factory.company()
    rfp = tender(factory, [sub], lines=0, document_count=0).rfp_for(sub)
    from tests.factories import get_token

    token = get_token(fuzz_client, sub)

    @given(length=st.integers(min_value=200, max_value=2000),
           char=st.sampled_from(["x", "é", "漢", "\u202e", "/", "\\"]),
           where=st.sampled_from(["messages", "proposals"]))
    @RUN
    def run(length: int, char: str, where: str) -> None:
        name = char * length + ".pdf"
        data = {"text": "see attached"} if where == "messages" else {"totalAmount": "10.00"}
        response = fuzz_client.post(f"/rest/subcontractor/v1/rfps/{rfp.id}/{where}",
                                    headers=auth(token), data=data,
                                    files=[("attachments", (name, b"%PDF-1.4", "application/pdf"))])
        _problem(response)

    run()


web_values = st.one_of(numbers, st.text(max_size=300),
                       st.sampled_from(["", " ", "²", "１２", "9" * 20, "-1", "<script>", "\x00"]))


def test_web_form_fields_and_query_values(fuzz_app: Any, factory: Any) -> None:
    admin = factory.company(CompanyKind.CONTRACTOR, api=False)
    support = factory.support_user()
    contact_client = TestClient(fuzz_app, base_url="http://testserver")
    support_client = TestClient(fuzz_app, base_url="http://testserver")
    logged_in(contact_client, admin.admin.email)
    logged_in(support_client, support.email)
    contact_csrf = csrf_from(contact_client.get("/account/security").text)
    support_csrf = csrf_from(support_client.get("/support/security").text)
    posts = [(contact_client, contact_csrf, "/account/company/activate", "api_user_id"),
             (contact_client, contact_csrf, "/account/security/sessions/end", "session_id"),
             (contact_client, contact_csrf, "/account/security/two-factor/off", "code"),
             (contact_client, contact_csrf, "/account/password", "new_password"),
             (support_client, support_csrf, f"/support/companies/{admin.company.id}/api-user",
              "api_user_id")]
    gets = [(contact_client, "/account/audit"), (support_client, "/support/audit"),
            (support_client, "/support/audit.csv"), (support_client, "/support")]

    @given(value=web_values, post=st.sampled_from(posts), get=st.sampled_from(gets),
           field=st.sampled_from(["before", "company", "name", "from", "to", "status", "view",
                                  "q"]))
    @RUN
    def run(value: str, post: Any, get: Any, field: str) -> None:
        browser, csrf, action, name = post
        answer = browser.post(action, data={"csrf_token": csrf, name: value},
                              follow_redirects=False)
        assert answer.status_code < 500, (action, value, answer.text[:300])
        browser, path = get
        page = browser.get(path, params={field: value}, follow_redirects=False)
        assert page.status_code < 500, (path, field, value)
        segment = quote(value, safe="")
        company = browser.get(f"/support/companies/{segment}" if segment else "/support",
                              follow_redirects=False)
        assert company.status_code < 500, value

    run()
    anonymous = TestClient(fuzz_app, base_url="http://testserver")
    page = anonymous.get("/login")
    for value in ["²", "a" * 300 + "@x.test", "\udcff".encode("utf-8", "surrogatepass").decode(
            "latin-1"), "' OR 1=1 --"]:
        response = anonymous.post("/login", data={"email": value, "password": value,
                                                  "csrf_token": csrf_from(page.text)})
        assert response.status_code < 500
