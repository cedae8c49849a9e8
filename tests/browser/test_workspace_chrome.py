"""The workspace's foundation in the real browser: vendored htmx loads under our CSP, the
accessibility check catches what it should, and the chrome holds on a phone-sized screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.browser.a11y import check_accessibility
from tests.browser.conftest import CHROMIUM_ARGS, LiveServer

pytestmark = pytest.mark.browser


def test_htmx_loads_under_the_csp_and_the_login_page_passes_axe(
    live_server: LiveServer, chromium_path: Path
) -> None:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(base_url=live_server.base_url)
            problems: list[str] = []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.goto("/login")
            assert page.evaluate("window.htmx && window.htmx.version") == "4.0.1"
            check_accessibility(page, "login")
            # The same check fails on a page with an unlabelled field: it cannot pass blindly.
            page.evaluate("""() => { const i = document.createElement('input');
                                      document.querySelector('main').append(i); }""")
            with pytest.raises(AssertionError, match=r"label \[critical\]"):
                check_accessibility(page, "login with an unlabelled field")
            assert problems == []  # no CSP refusal, no script error
        finally:
            browser.close()


def test_phone_sized_login_page_does_not_scroll_sideways(
    live_server: LiveServer, chromium_path: Path
) -> None:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(base_url=live_server.base_url,
                                    viewport={"width": 360, "height": 740})
            page.goto("/login")
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
        finally:
            browser.close()
