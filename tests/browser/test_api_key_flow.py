"""The newcomer's path in a real browser: log in, My Account → API, generate a key, call getMe."""

from __future__ import annotations

import os
import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright

from bidbridge import demo
from tests.browser.conftest import CHROMIUM_ARGS, LiveServer, log_in

pytestmark = pytest.mark.browser
API_USER_NAME, API_USER_EMAIL, API_USER_PASSWORD = demo.SUB_API_USER


def test_api_user_generates_a_key_in_the_browser_and_calls_get_me(
    live_server: LiveServer, chromium_path: Path, tmp_path: Path
) -> None:
    shots = Path(os.environ.get("BIDBRIDGE_SCREENSHOT_DIR") or tmp_path)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(base_url=live_server.base_url,
                                          viewport={"width": 1280, "height": 860})
            context.grant_permissions(["clipboard-read", "clipboard-write"],
                                      origin=live_server.base_url)
            page = context.new_page()
            page.goto("/")
            expect(page).to_have_url(re.compile(r"/login$"))
            log_in(page, API_USER_EMAIL, API_USER_PASSWORD)
            # The bid board is a subcontractor's landing page.
            expect(page).to_have_url(re.compile(r"/bids$"))

            menu_button = page.get_by_role("button", name=API_USER_NAME)
            expect(page.get_by_role("menuitem", name="My Account")).to_be_hidden()
            menu_button.click()
            expect(menu_button).to_have_attribute("aria-expanded", "true")
            page.get_by_role("menuitem", name="My Account").click()
            expect(page).to_have_url(re.compile(r"/account$"))

            page.get_by_role("link", name="API", exact=True).click()
            expect(page).to_have_url(re.compile(r"/account/api$"))
            page.get_by_role("button", name="Generate API key").click()

            key_field = page.locator("#api-key-value")
            expect(key_field).to_be_visible()
            key = key_field.input_value()
            assert re.fullmatch(r"bb_[0-9a-f]{16}_[A-Za-z0-9_-]{43}", key), key
            expect(page.get_by_text("It will not be shown again", exact=False)).to_be_visible()
            page.get_by_role("button", name="Copy").click()
            expect(page.get_by_role("button", name="Copied")).to_be_visible()
            assert page.evaluate("navigator.clipboard.readText()") == key
            page.screenshot(path=str(shots / "api-tab-new-key.png"), full_page=True)

            page.goto("/account/api")
            body = page.content()
            assert key not in body and key[:19] in body
            expect(page.get_by_role("link", name="Regenerate")).to_be_visible()
            page.screenshot(path=str(shots / "api-tab.png"), full_page=True)
        finally:
            browser.close()

    with httpx.Client(base_url=live_server.base_url, timeout=10) as http:
        issued = http.post("/rest/subcontractor/v1/tokens",
                           data={"login": API_USER_EMAIL, "apiKey": key})
        assert issued.status_code == 200, issued.text
        token = issued.json()["token"]
        assert re.fullmatch(r"[0-9a-f]{128}", token)
        me = http.get("/rest/subcontractor/v1/me", headers={"X-Auth-Token": token})
        assert me.status_code == 200, me.text
        assert me.json()["contact"]["email"] == API_USER_EMAIL
        assert me.json()["contact"]["name"] == API_USER_NAME
        assert me.json()["company"]["name"] == demo.SUB_NAME
    log = live_server.log()
    assert key not in log and key[20:] not in log and token not in log
