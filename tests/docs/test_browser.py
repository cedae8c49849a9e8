"""The reference and Swagger UI in headless Chromium, with every non-local request refused."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from bidbridge.api.declare import REGISTRY
from tests.live_server import live_server

CHROMIUM = "/usr/bin/chromium"


@pytest.mark.browser
@pytest.mark.live
def test_swagger_ui_and_reference_work_offline(tmp_path):
    from playwright.sync_api import sync_playwright

    with live_server("sqlite", tmp_path) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            outside: list[str] = []

            def only_local(route, request):  # type: ignore[no-untyped-def]
                if urlparse(request.url).hostname != "127.0.0.1":
                    outside.append(request.url)
                    route.abort()
                else:
                    route.continue_()

            page.route("**/*", only_local)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(server.url + "/rest/subcontractor/v1/docs")
            page.wait_for_selector(".opblock", timeout=30000)
            operations = page.locator(".opblock").count()
            assert operations == len(REGISTRY["subcontractor"])
            assert "OAS 3.1" in page.content()

            page.goto(server.url + "/rest/subcontractor/v1")
            assert page.locator("section.function").count() == len(REGISTRY["subcontractor"])
            href = page.get_attribute("a[download]", "href")
            assert href == "/rest/subcontractor/v1/postman.json"
            # The words come first; the expression beside them is smaller and greyer.
            cell = page.locator("#getToken td.pattern").first
            assert cell.inner_text().splitlines()[0] == "the API user's e-mail address"
            words, regex = (cell.locator(sel).evaluate(
                "e => { const s = getComputedStyle(e); return [parseFloat(s.fontSize), s.color]; }")
                for sel in (".expected", ".regex"))
            assert regex[0] < words[0] and regex[1] != words[1]
            page.locator("#getRfps").scroll_into_view_if_needed()
            page.screenshot(path=str(tmp_path / "reference-getRfps.png"))
            favicon = page.request.get(server.url + "/favicon.ico")
            assert favicon.status == 200 and favicon.headers["content-type"] == "image/x-icon"
            assert outside == [] and errors == []
        finally:
            browser.close()
