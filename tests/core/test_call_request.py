"""The dispatcher's own request object reads a call exactly as Starlette's Request would."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select
from starlette.requests import Request

from bidbridge.api.request import CallRequest
from bidbridge.models import ApiRequest
from tests.factories import auth, get_token

SUB = "/rest/subcontractor/v1"


def _scope(query: bytes, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {"type": "http", "method": "GET", "path": "/rest/subcontractor/v1/rfps",
            "raw_path": b"/rest/subcontractor/v1/rfps", "query_string": query, "root_path": "",
            "headers": headers, "client": ("10.1.2.3", 5000), "server": ("t", 80),
            "scheme": "http", "state": {"request_id": "rid-12345678"}}


@pytest.mark.parametrize("query", [
    b"", b"a=1&b=2", b"a=1&a=2&b", b"q=caf%C3%A9+au+lait&empty=&=x", b"x=%ZZ&y=%2B1",
    b"limit=50;cursor=abc", b"&&a=&&",
])
def test_query_parameters_parse_as_starlettes(query: bytes) -> None:
    scope = _scope(query, [])
    ours = CallRequest(scope, None, SimpleNamespace())  # type: ignore[arg-type]
    assert ours.query_items() == Request(scope).query_params.multi_items()


def test_the_first_of_repeated_headers_counts_as_with_starlettes_headers() -> None:
    headers = [(b"x-auth-token", b"first"), (b"user-agent", b"agent/1"),
               (b"x-auth-token", b"second"), (b"content-type", b"application/json"),
               (b"user-agent", b"agent/2"), (b"content-type", b"text/plain")]
    scope = _scope(b"", headers)
    ours = CallRequest(scope, None, SimpleNamespace())  # type: ignore[arg-type]
    theirs = Request(scope)
    assert (ours.token, ours.user_agent, ours.content_type) == (
        theirs.headers["x-auth-token"], theirs.headers["user-agent"],
        theirs.headers["content-type"])
    assert ours.client_ip == "10.1.2.3" and ours.request_id == "rid-12345678"
    assert ours.headers.getlist("x-auth-token") == ["first", "second"]


def test_a_body_read_without_receive_is_a_bug_not_an_empty_body() -> None:
    ours = CallRequest(_scope(b"", []), None, SimpleNamespace())  # type: ignore[arg-type]
    with pytest.raises(RuntimeError):
        ours._reader()


def test_the_log_row_names_the_callers_agent_and_address(client, factory, runtime) -> None:
    setup = factory.company()
    token = get_token(client, setup)
    answer = client.get(SUB + "/me", headers={**auth(token), "User-Agent": "erp-sync/4.2"})
    assert answer.status_code == 200
    with runtime.sessions() as session:
        row = session.scalars(select(ApiRequest).where(
            ApiRequest.request_id == answer.headers["x-request-id"])).one()
    assert (row.user_agent, row.client_ip, row.function, row.path) == (
        "erp-sync/4.2", "testclient", "getMe", "/rest/subcontractor/v1/me")
