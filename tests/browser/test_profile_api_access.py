"""The Profile tab in a real browser: API access not active (and how to ask), contact types."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from bidbridge import demo
from tests.browser.a11y import check_accessibility
from tests.browser.conftest import CHROMIUM_ARGS, LiveServer, log_in

pytestmark = pytest.mark.browser
SUPPORT = "api-desk@platform.test"


@pytest.fixture
def live_server_env() -> dict[str, str]:
    return {"BIDBRIDGE_SUPPORT_EMAIL": SUPPORT}


def _log_in(page: Page, email: str, password: str) -> None:
    log_in(page, email, password)
    # A subcontractor lands on the bid board; My Account is one menu choice away.
    expect(page).to_have_url(re.compile(r"/bids$"))
    page.goto("/account")


def test_profile_explains_missing_api_access_and_contact_types(
    live_server: LiveServer, chromium_path: Path, tmp_path: Path
) -> None:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        try:
            # Bakker Dakwerken has no API module: no API tab, and its administrator is told how
            # to ask platform support for it.
            context = browser.new_context(base_url=live_server.base_url,
                                          viewport={"width": 1100, "height": 900})
            page = context.new_page()
            _log_in(page, demo.OTHER_SUB_ADMIN[1], demo.OTHER_SUB_ADMIN[2])
            tabs = page.get_by_role("navigation", name="My Account")
            expect(tabs.get_by_role("link")).to_have_text(["Profile", "Audit log", "Security"])
            expect(tabs.get_by_role("link", name="API", exact=True)).to_have_count(0)
            notice = page.locator("#api-access")
            expect(notice.get_by_role("heading")).to_have_text("API access is not active")
            ask = notice.get_by_role("link", name="Ask platform support for API access")
            href = ask.get_attribute("href") or ""
            parts = urlsplit(href)
            assert (parts.scheme, parts.path) == ("mailto", SUPPORT)
            fields = {k: v[0] for k, v in parse_qs(parts.query).items()}
            assert fields["subject"] == f"API access for {demo.OTHER_SUB_NAME}"
            assert demo.OTHER_SUB_ADMIN[1] in fields["body"]
            expect(notice.get_by_role("link", name=SUPPORT)).to_have_attribute(
                "href", f"mailto:{SUPPORT}")
            expect(page.locator("#contact-type-meaning")).to_contain_text(
                "Contractors see you among your company's contacts")
            page.get_by_text("What the contact types mean").click()
            expect(page.locator("details.howto dt")).to_have_text(["Visible", "Hidden", "Other"])
            check_accessibility(page, "profile without API access")
            page.screenshot(path=str(tmp_path / "profile-no-api.png"), full_page=True)
            context.close()

            # The demo API user is a hidden contact of a company with the module on.
            context = browser.new_context(base_url=live_server.base_url,
                                          viewport={"width": 390, "height": 900})
            page = context.new_page()
            _log_in(page, demo.SUB_API_USER[1], demo.SUB_API_USER[2])
            expect(page.locator("#api-access")).to_have_count(0)
            expect(page.get_by_role("navigation", name="My Account")
                   .get_by_role("link", name="API", exact=True)).to_be_visible()
            expect(page.locator("#contact-type-meaning")).to_contain_text(
                "Full access to your company's tenders, but contractors do not see you")
            check_accessibility(page, "profile of a hidden contact on a phone")
            page.screenshot(path=str(tmp_path / "profile-hidden-phone.png"), full_page=True)
        finally:
            browser.close()
