"""Bodies are limited while they stream, before authentication: 413 as a problem document."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from bidbridge.app import create_app
from bidbridge.models import ApiRequest, ApiToken
from tests.runtime_variants import runtime_with
from tests.web.helpers import csrf_from

LIMITS = {"max_json_body_bytes": 2048, "max_form_body_bytes": 4096,
          "max_multipart_body_bytes": 8192}


@pytest.fixture
def small(runtime):
    limited = runtime_with(runtime, **LIMITS)
    with TestClient(create_app(limited.settings, runtime=limited)) as c:
        yield c


def _problem(response, limit: int, kind: str) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "body_too_large" and body["limit"] == limit
    assert kind in body["detail"] and body["requestId"] == response.headers["x-request-id"]


def test_a_json_body_over_its_limit_is_refused_before_get_token_looks_at_it(small, runtime):
    with runtime.sessions() as s:
        before = s.scalar(select(func.count()).select_from(ApiRequest))
        tokens_before = s.scalar(select(func.count()).select_from(ApiToken))
    body = '{"login": "a@b.test", "apiKey": "' + "x" * 5000 + '"}'
    response = small.post("/rest/subcontractor/v1/tokens", content=body,
                          headers={"Content-Type": "application/json"})
    _problem(response, 2048, "JSON")
    with runtime.sessions() as s:  # getToken never ran, but the refused call is in the log
        assert s.scalar(select(func.count()).select_from(ApiRequest)) == before + 1
        logged = s.scalars(select(ApiRequest).order_by(ApiRequest.id.desc()).limit(1)).one()
        assert (logged.status, logged.error_code) == (413, "body_too_large")
        assert logged.request_id == response.headers["x-request-id"]
        assert logged.path == "/rest/subcontractor/v1/tokens" and logged.api == "subcontractor"
        assert logged.query_params == {}  # nothing of the body was read, so nothing is kept
        assert s.scalar(select(func.count()).select_from(ApiToken)) == tokens_before


def test_a_streamed_body_without_content_length_is_counted(small):
    def chunks():
        for _ in range(64):
            yield b"x" * 1024

    response = small.post("/rest/subcontractor/v1/tokens", content=chunks(),
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert "content-length" not in response.request.headers
    _problem(response, 4096, "form")


def test_each_kind_has_its_own_limit(small):
    form = small.post("/rest/subcontractor/v1/tokens", data={"login": "a" * 3000 + "@b.test"})
    assert form.status_code == 422  # 3 KB of form is within the form limit
    too_much_json = small.post("/rest/subcontractor/v1/tokens",
                               json={"login": "a" * 3000 + "@b.test"})
    _problem(too_much_json, 2048, "JSON")
    multipart = small.post("/rest/subcontractor/v1/tokens", data={"login": "a@b.test"},
                           files={"f": ("a.bin", b"x" * 9000)})
    _problem(multipart, 8192, "multipart")


def test_the_web_login_form_is_limited_too(small, runtime):
    page = small.get("/login")
    with runtime.sessions() as s:
        before = s.scalar(select(func.count()).select_from(ApiRequest))
    response = small.post("/login", data={"email": "a@b.test", "password": "p" * 5000,
                                          "csrf_token": csrf_from(page.text)})
    _problem(response, 4096, "form")
    with runtime.sessions() as s:  # a page is not an API call: no request-log row
        assert s.scalar(select(func.count()).select_from(ApiRequest)) == before


def test_bodies_within_the_limits_pass(small):
    response = small.post("/rest/subcontractor/v1/tokens",
                          json={"login": "a@b.test", "apiKey": "bb_" + "0" * 16 + "_" + "x" * 43})
    assert response.status_code == 401
