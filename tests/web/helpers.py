"""Browser-like helpers for the web tests: read CSRF tokens from pages, log in, post forms."""

from __future__ import annotations

import re
from typing import Any

import httpx
from starlette.testclient import TestClient

from tests.factories import PASSWORD, TWO_FACTOR

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_KEY = re.compile(r'id="api-key-value"[^>]*value="(bb_[^"]+)"')


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def login(client: TestClient, email: str, password: str = PASSWORD) -> httpx.Response:
    page = client.get("/login")
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": csrf_from(page.text)},
                       follow_redirects=False)


def logged_in(client: TestClient, email: str, password: str = PASSWORD) -> None:
    """Log in; an account the factory enrolled in 2FA gives one of its recovery codes."""
    response = login(client, email, password)
    assert response.status_code == 303, response.text
    if response.headers["location"].startswith("/login/two-factor"):
        code = TWO_FACTOR[email][1].pop()
        second = post_form(client, "/login/two-factor", "/login/two-factor", {"code": code})
        assert second.status_code == 303, second.text


def post_form(client: TestClient, page_path: str, action: str, data: dict[str, Any] | None = None
              ) -> httpx.Response:
    """Open ``page_path`` like a browser, then submit a form to ``action`` with its CSRF token."""
    page = client.get(page_path)
    assert page.status_code == 200, page.text
    return client.post(action, data={**(data or {}), "csrf_token": csrf_from(page.text)},
                       follow_redirects=False)


def shown_key(html: str) -> str | None:
    match = _KEY.search(html)
    return match.group(1) if match else None
