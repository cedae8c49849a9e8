"""The estimator's day in a real browser: bid board → RFP → download → price → submit → receipt
→ message, with the accessibility check on every page, the audit rows the flow leaves in the
estimator's name, and another company's ids answering 404."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path

import pypdf
import pytest
from playwright.sync_api import expect, sync_playwright

from bidbridge import demo
from tests.browser.a11y import check_accessibility
from tests.browser.conftest import CHROMIUM_ARGS, LiveServer, log_in
from tests.tendering_factory import pdf_bytes

pytestmark = pytest.mark.browser
NAME, EMAIL, PASSWORD = demo.SUB_ESTIMATOR


def _rfp_ids(server: LiveServer) -> dict[str, int]:
    rows = server.rows("SELECT r.id, w.name AS wp, c.name AS company FROM rfps r "
                       "JOIN workpackages w ON w.id = r.workpackage_id "
                       "JOIN companies c ON c.id = r.company_id")
    return {f"{r['company']}|{r['wp']}": int(str(r["id"])) for r in rows}


def test_estimator_prices_submits_and_writes_in_the_browser(
    live_server: LiveServer, chromium_path: Path, tmp_path: Path
) -> None:
    ids = _rfp_ids(live_server)
    open_rfp = ids[f"{demo.SUB_NAME}|Installaties W"]
    closed_rfp = ids[f"{demo.SUB_NAME}|Elektrotechnische installaties"]
    competitor_rfp = ids[f"{demo.OTHER_SUB_NAME}|Installaties W"]
    quote = tmp_path / "offerte.pdf"
    quote.write_bytes(pdf_bytes("Offerte Van Dijk"))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(base_url=live_server.base_url, accept_downloads=True,
                                          viewport={"width": 1280, "height": 900})
            page = context.new_page()
            log_in(page, EMAIL, PASSWORD)

            # The bid board is the landing page; the RFP past its deadline stands out.
            expect(page).to_have_url(re.compile(r"/bids$"))
            expect(page.get_by_role("heading", name="Bid board")).to_be_visible()
            overdue = page.locator("tr.row-overdue")
            expect(overdue).to_have_count(1)
            expect(overdue).to_contain_text("Elektrotechnische installaties")
            expect(overdue).to_contain_text("Overdue")
            check_accessibility(page, "bid board")
            page.get_by_label("Search").fill("Installaties W")
            expect(page.locator("#board tbody tr")).to_have_count(1)
            expect(page).to_have_url(re.compile(r"q=Installaties"))
            page.locator("#board tbody tr a").first.click()

            # The RFP page: facts, documents with their hashes, one-click and zip downloads.
            expect(page).to_have_url(re.compile(rf"/bids/{open_rfp}$"))
            expect(page.get_by_role("heading", name="Project")).to_be_visible()
            expect(page.get_by_text("Gemeente Utrecht")).to_be_visible()
            check_accessibility(page, "RFP page")
            row = page.locator("table.docs tbody tr", has_text="Bestek.pdf")
            shown_sha = row.locator("code.sha").inner_text()
            with page.expect_download() as one:
                row.get_by_role("link", name="Bestek.pdf").click()
            data = Path(one.value.path()).read_bytes()
            assert hashlib.sha256(data).hexdigest() == shown_sha and data.startswith(b"%PDF")
            with page.expect_download() as everything:
                page.get_by_role("link", name="Download all (zip)").click()
            bundle = zipfile.ZipFile(io.BytesIO(Path(everything.value.path()).read_bytes()))
            assert {"Bestek.pdf", "Tekening 53.pdf", "SHA256SUMS"} <= set(bundle.namelist())
            assert f"{shown_sha}  Bestek.pdf" in bundle.read("SHA256SUMS").decode()

            page.get_by_label("I'll calculate").check()
            page.get_by_label("Note to the contractor").fill("Prijs volgt vrijdag.")
            page.get_by_role("button", name="Send response").click()
            expect(page.get_by_role("status")).to_contain_text("Your response is recorded")

            # Pricing, keyboard only: type, Enter to the next price; totals follow exactly.
            page.get_by_role("navigation", name="This RFP").get_by_role("link", name="Pricing").click()
            prices = page.locator("input[data-price]")
            prices.nth(0).focus()
            page.keyboard.type("3.21")
            expect(page.locator("#grid-totals")).to_contain_text("EUR 6.42")
            page.keyboard.press("Enter")
            expect(prices.nth(1)).to_be_focused()
            page.keyboard.type("12.5")
            expect(page.locator("#grid-totals")).to_contain_text("EUR 15 637.67")
            page.keyboard.press("Enter")
            page.keyboard.type("1,5")  # a comma: shown at its cell, nothing else lost
            third = prices.nth(2)
            error = page.locator(f"#err-{third.get_attribute('id')}")
            expect(error).to_contain_text("a dot, no thousands separators")
            expect(page.locator("#grid-status")).to_contain_text("Not saved")
            check_accessibility(page, "pricing grid with an error")
            third.fill("")
            third.press("Tab")
            page.reload()
            expect(prices.nth(0)).to_have_value("3.21")
            expect(prices.nth(1)).to_have_value("12.50")
            expect(page.locator("#grid-totals")).to_contain_text("EUR 15 637.67")

            # Submit with an attachment and the confirmation; the receipt and its PDF.
            page.get_by_role("navigation", name="This RFP").get_by_role("link", name="Proposals").click()
            check_accessibility(page, "proposals")
            page.get_by_label("Attachments").set_input_files(str(quote))
            page.get_by_label("Message to the contractor").fill("Geldig 60 dagen.")
            page.get_by_role("button", name="Submit proposal").click()
            expect(page).to_have_url(re.compile(r"/proposals$"))  # the confirmation is required
            page.get_by_label(re.compile("I confirm")).check()
            page.get_by_role("button", name="Submit proposal").click()
            expect(page).to_have_url(re.compile(rf"/bids/{open_rfp}/proposals/\d+"))
            expect(page.locator("#receipt-total")).to_have_text("EUR 15 637.67")
            sha = page.locator("#receipt-sha").inner_text()
            assert re.fullmatch(r"[0-9a-f]{64}", sha)
            expect(page.get_by_role("link", name="offerte.pdf")).to_be_visible()
            check_accessibility(page, "receipt")
            with page.expect_download() as receipt:
                page.get_by_role("link", name="Download receipt (PDF)").click()
            text = pypdf.PdfReader(receipt.value.path()).pages[0].extract_text()
            assert sha in text and "EUR 15637.67" in text and NAME in text

            # A message with an attachment on the RFP's thread.
            page.goto(f"/bids/{open_rfp}#messages")
            page.get_by_label("Write to Bouwbedrijf De Vries").fill("Is steigerwerk inbegrepen?")
            page.locator("#message-files").set_input_files(str(quote))
            page.get_by_role("button", name="Send message").click()
            thread = page.locator("#messages .thread")
            expect(thread).to_contain_text("Is steigerwerk inbegrepen?")
            expect(thread.get_by_role("link", name="offerte.pdf")).to_be_visible()
            check_accessibility(page, "RFP page with the thread")

            # After the deadline a submission is refused with the API's message.
            page.goto(f"/bids/{closed_rfp}/proposals")
            expect(page.get_by_text("can no longer be submitted")).to_be_visible()

            # Another company's RFP, and a document id that is not this RFP's: 404.
            for path in (f"/bids/{competitor_rfp}", f"/bids/{competitor_rfp}/pricing",
                         f"/bids/{competitor_rfp}/proposals", f"/bids/{open_rfp}/documents/999999",
                         f"/bids/{competitor_rfp}/documents.zip"):
                response = page.goto(path)
                assert response is not None and response.status == 404, path
        finally:
            browser.close()

    events = live_server.rows(
        "SELECT event, actor_kind, actor_name FROM audit_events WHERE company_id = "
        "(SELECT id FROM companies WHERE name = :name) AND event IN ('rfp.responded', "
        "'budget_lines.priced', 'proposal.submitted', 'message.sent') ORDER BY id",
        name=demo.SUB_NAME)
    assert {e["event"] for e in events} == {"rfp.responded", "budget_lines.priced",
                                            "proposal.submitted", "message.sent"}
    assert {(e["actor_kind"], e["actor_name"]) for e in events} == {("contact", NAME)}


def test_other_contact_sees_only_the_rfp_they_were_invited_to(
    live_server: LiveServer, chromium_path: Path
) -> None:
    ids = _rfp_ids(live_server)
    invited = ids[f"{demo.SUB_NAME}|{demo.OTHER_CONTACT_WORKPACKAGE}"]
    not_invited = ids[f"{demo.SUB_NAME}|Installaties W"]
    _, email, password = demo.SUB_OTHER
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(base_url=live_server.base_url,
                                    viewport={"width": 390, "height": 844})
            log_in(page, email, password)
            expect(page).to_have_url(re.compile(r"/bids$"))
            rows = page.locator("#board tbody tr")
            expect(rows).to_have_count(1)
            expect(rows).to_contain_text(demo.OTHER_CONTACT_WORKPACKAGE)
            # Phone-sized: the board reflows into cards, nothing scrolls sideways.
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            check_accessibility(page, "bid board of an other contact, phone-sized")
            response = page.goto(f"/bids/{not_invited}")
            assert response is not None and response.status == 404
            response = page.goto(f"/bids/{invited}")
            assert response is not None and response.status == 200
        finally:
            browser.close()


def test_the_forms_work_without_javascript(live_server: LiveServer, chromium_path: Path) -> None:
    ids = _rfp_ids(live_server)
    rfp = ids[f"{demo.SUB_NAME}|Sanitair"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(base_url=live_server.base_url,
                                       java_script_enabled=False).new_page()
            log_in(page, EMAIL, PASSWORD)
            expect(page).to_have_url(re.compile(r"/bids$"))
            page.get_by_label("Response").select_option("none")
            page.get_by_role("button", name="Apply").click()
            expect(page).to_have_url(re.compile(r"response=none"))
            page.goto(f"/bids/{rfp}/pricing")
            page.locator("input[data-price]").nth(0).fill("99.95")
            page.locator("input[data-price]").nth(1).fill("9,5")
            page.get_by_role("button", name="Save draft").click()
            expect(page.locator(".cell-error:not(:empty)")).to_contain_text("a dot")
            expect(page.locator("input[data-price]").nth(0)).to_have_value("99.95")
            page.locator("input[data-price]").nth(1).fill("9.50")
            page.get_by_role("button", name="Save draft").click()
            expect(page.get_by_role("status").first).to_contain_text("Draft saved")
            page.goto(f"/bids/{rfp}")
            page.get_by_label("Write to Bouwbedrijf De Vries").fill("Zonder JavaScript verstuurd.")
            page.get_by_role("button", name="Send message").click()
            expect(page.locator("#messages .thread")).to_contain_text("Zonder JavaScript")
            # Log out is reachable without the user menu's script.
            page.get_by_role("button", name="Log out").click()
            expect(page).to_have_url(re.compile(r"/login"))
        finally:
            browser.close()
