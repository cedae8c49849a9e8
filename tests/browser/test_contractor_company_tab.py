"""A contractor's administrator in a real browser: switch the API module off and on, then use it."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright

from bidbridge import demo
from tests.browser.conftest import CHROMIUM_ARGS, LiveServer, log_in

pytestmark = pytest.mark.browser
ADMIN_NAME, ADMIN_EMAIL, ADMIN_PASSWORD = demo.GC_ADMIN


def test_contractor_admin_switches_the_api_module_and_generates_a_key(
    live_server: LiveServer, chromium_path: Path
) -> None:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(base_url=live_server.base_url).new_page()
            log_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
            # A contractor lands on its projects; My Account is one menu choice away.
            expect(page).to_have_url(re.compile(r"/projects$"))
            page.goto("/account")

            page.get_by_role("link", name="Company", exact=True).click()
            expect(page).to_have_url(re.compile(r"/account/company$"))
            page.get_by_role("link", name="Deactivate API module").click()
            page.get_by_role("button", name="Yes, deactivate the API module").click()
            expect(page.get_by_role("status")).to_contain_text("The API module is off.")
            expect(page.get_by_role("link", name="API", exact=True)).to_have_count(0)

            page.get_by_label("API user").select_option(label=f"{ADMIN_NAME} ({ADMIN_EMAIL})")
            page.get_by_role("button", name="Activate API module").click()
            expect(page.get_by_role("status")).to_contain_text("The API module is active.")
            expect(page.locator(".badge-on")).to_have_text("active")

            page.get_by_role("link", name="API", exact=True).click()
            page.get_by_role("button", name="Generate API key").click()
            key = page.locator("#api-key-value").input_value()
            assert key.startswith("bb_"), key
        finally:
            browser.close()

    with httpx.Client(base_url=live_server.base_url, timeout=10) as http:
        issued = http.post("/rest/contractor/v1/tokens", data={"login": ADMIN_EMAIL, "apiKey": key})
        assert issued.status_code == 200, issued.text
        me = http.get("/rest/contractor/v1/me", headers={"X-Auth-Token": issued.json()["token"]})
        assert me.status_code == 200, me.text
        assert me.json()["contact"]["email"] == ADMIN_EMAIL
        assert me.json()["company"]["kind"] == "contractor"
