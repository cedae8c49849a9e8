"""In a real browser: the demo support account enrols in two-factor login at its first login,
logs in again with a code computed from the secret; a contact's Security tab lists sessions."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import expect, sync_playwright

from bidbridge import demo
from tests.browser.conftest import CHROMIUM_ARGS, LiveServer, log_in

pytestmark = pytest.mark.browser
SUPPORT_NAME, SUPPORT_EMAIL, SUPPORT_PASSWORD = demo.SUPPORT
API_USER_NAME, API_USER_EMAIL, API_USER_PASSWORD = demo.SUB_API_USER


def test_support_enrols_then_logs_in_with_a_code_and_sees_its_sessions(
    live_server: LiveServer, chromium_path: Path, tmp_path: Path
) -> None:
    shots = Path(os.environ.get("BIDBRIDGE_SCREENSHOT_DIR") or tmp_path)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(base_url=live_server.base_url,
                                          viewport={"width": 1280, "height": 900})
            page = context.new_page()
            log_in(page, SUPPORT_EMAIL, SUPPORT_PASSWORD)
            expect(page).to_have_url(re.compile(r"/login/two-factor/enrol$"))
            expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
            page.screenshot(path=str(shots / "two-factor-enrol.png"), full_page=True)
            secret = page.locator("#totp-secret").inner_text().replace(" ", "")
            totp = pyotp.TOTP(secret)
            page.get_by_label("Code from the app").fill(totp.now())
            page.get_by_role("button", name="Confirm and turn on").click()
            codes = page.locator("#recovery-codes li")
            expect(codes).to_have_count(10)
            page.screenshot(path=str(shots / "two-factor-recovery-codes.png"), full_page=True)
            page.get_by_role("link", name="I have saved them — continue").click()
            expect(page).to_have_url(re.compile(r"/support$"))

            page.get_by_role("button", name=SUPPORT_NAME).click()
            page.get_by_role("menuitem", name="Log out").click()
            expect(page).to_have_url(re.compile(r"/login\?msg=logged_out$"))
            log_in(page, SUPPORT_EMAIL, SUPPORT_PASSWORD)
            expect(page).to_have_url(re.compile(r"/login/two-factor$"))
            page.screenshot(path=str(shots / "two-factor-code.png"), full_page=True)
            # The enrolment used this time step's code: give the next one (accepted for drift).
            page.get_by_label("Code").fill(totp.at(time.time() + 30))
            page.get_by_role("button", name="Verify").click()
            expect(page).to_have_url(re.compile(r"/support$"))
            page.get_by_role("link", name="Security", exact=True).click()
            expect(page.get_by_text("Recovery codes left:")).to_be_visible()
            page.screenshot(path=str(shots / "support-security.png"), full_page=True)

            # A contact with two browsers: the Security tab lists both and ends the other one.
            office = browser.new_context(base_url=live_server.base_url,
                                         viewport={"width": 1280, "height": 900})
            laptop = browser.new_context(base_url=live_server.base_url, user_agent=(
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 "
                "Firefox/133.0"))
            first, second = office.new_page(), laptop.new_page()
            log_in(second, API_USER_EMAIL, API_USER_PASSWORD)
            expect(second).not_to_have_url(re.compile(r"/login"))
            log_in(first, API_USER_EMAIL, API_USER_PASSWORD)
            expect(first).not_to_have_url(re.compile(r"/login"))
            first.goto("/account")
            first.get_by_role("link", name="Security", exact=True).click()
            expect(first).to_have_url(re.compile(r"/account/security$"))
            rows = first.locator("#sessions tbody tr")
            expect(rows).to_have_count(2)
            expect(first.get_by_text("Firefox on Windows")).to_be_visible()
            expect(first.get_by_text("this browser")).to_be_visible()
            first.screenshot(path=str(shots / "account-security.png"), full_page=True)
            first.get_by_role("button", name="End session").click()
            expect(first.get_by_text("That session is ended")).to_be_visible()
            expect(rows).to_have_count(1)
            second.goto("/account")
            expect(second).to_have_url(re.compile(r"/login\?next=/account$"))
        finally:
            browser.close()
