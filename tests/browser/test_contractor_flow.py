"""The contractor's main flow in a real browser: project → workpackage → lines from xlsx →
document → invite → comparison → award, with the accessibility check on every page, the audit
rows in the acting person's name, and 404 for another company's ids in a URL.

The two bidders price and submit through the subcontractor API (their own side of the flow is
tested in its own browser test): Van Dijk with the demo's API key, Bakker Dakwerken after
platform support switched its module on (the CLI) and its administrator made a key (the page).
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import Workbook, load_workbook
from playwright.sync_api import Page, expect, sync_playwright
from sqlalchemy.engine import make_url

from bidbridge import demo
from tests.browser.a11y import check_accessibility
from tests.browser.conftest import (
    BIN,
    CHROMIUM_ARGS,
    LiveServer,
    _browser_database_name,
    log_in,
)
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.browser
ADMIN_NAME, ADMIN_EMAIL, ADMIN_PASSWORD = demo.GC_ADMIN
SUB = "/rest/subcontractor/v1"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cli(backend: str, tmp_path: Path, *args: str) -> str:
    """Run the bidbridge command against the live server's own database and data directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIDBRIDGE_")}
    env.update(BIDBRIDGE_DATA_DIR=str(tmp_path / "var"), BIDBRIDGE_ENV="development")
    if backend == "postgresql":
        env["BIDBRIDGE_DATABASE_URL"] = make_url(POSTGRES_URL).set(
            database=_browser_database_name()).render_as_string(hide_password=False)
    done = subprocess.run([str(BIN / "bidbridge"), *args], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _log_in(page: Page, email: str, password: str) -> None:
    log_in(page, email, password)
    page.wait_for_load_state()


def _bakker_key(browser: Any, base_url: str) -> str:
    page = browser.new_context(base_url=base_url).new_page()
    _log_in(page, demo.OTHER_SUB_ADMIN[1], demo.OTHER_SUB_ADMIN[2])
    page.goto("/account/api")
    page.get_by_role("button", name="Generate API key").click()
    key = page.locator("#api-key-value").input_value()
    page.context.close()
    return key


def _bid(http: httpx.Client, login: str, key: str, rfp_id: int,
         prices: dict[str, str | None], extra: dict[str, str] | None = None) -> None:
    """As the subcontractor's integration: open the RFP, price its lines by code, submit."""
    token = http.post(f"{SUB}/tokens", data={"login": login, "apiKey": key}).json()["token"]
    headers = {"X-Auth-Token": token}
    assert http.get(f"{SUB}/rfps/{rfp_id}", headers=headers).status_code == 200
    lines = http.get(f"{SUB}/rfps/{rfp_id}/budget-lines", headers=headers).json()["lines"]
    items: list[dict[str, Any]] = [{"budgetLineId": line["budgetLineId"],
                                    "unitPrice": prices[line["code"]]}
                                   for line in lines if prices.get(line["code"]) is not None]
    if extra:
        items.append(extra)
    priced = http.post(f"{SUB}/rfps/{rfp_id}/budget-lines", json={"lines": items},
                       headers=headers)
    assert priced.status_code == 200, priced.text
    submitted = http.post(f"{SUB}/rfps/{rfp_id}/proposals", data={"message": "Onze prijs."},
                          headers=headers)
    assert submitted.status_code == 201, submitted.text


def _rfp_id(page: Page, company: str) -> int:
    href = page.get_by_role("row").filter(has_text=company).get_by_role(
        "link", name=re.compile("Messages")).get_attribute("href")
    assert href is not None
    return int(re.search(r"/rfps/(\d+)/", href).group(1))  # type: ignore[union-attr]


def test_contractor_tenders_a_workpackage_from_project_to_award(
    live_server: LiveServer, chromium_path: Path, backend: str, tmp_path: Path
) -> None:
    keys = json.loads(_cli(backend, tmp_path, "demo", "--json", "--new-api-key"))
    _cli(backend, tmp_path, "support", "activate-api", "--company", demo.OTHER_SUB_NAME,
         "--api-user", demo.OTHER_SUB_ADMIN[1])
    base = live_server.base_url
    with sync_playwright() as pw, httpx.Client(base_url=base, timeout=20) as http:
        browser = pw.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        try:
            bakker_key = _bakker_key(browser, base)
            page = browser.new_context(base_url=base).new_page()
            problems: list[str] = []
            # A refused form answers 422 on purpose, and the browser logs that; anything else
            # (a CSP refusal, a script error) is a problem.
            page.on("console", lambda m: problems.append(m.text)
                    if m.type == "error" and "status of 422" not in m.text else None)
            _log_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
            expect(page).to_have_url(re.compile(r"/projects$"))
            check_accessibility(page, "projects")

            # A project: the form refuses a wrong date at its field, then creates it.
            page.get_by_role("link", name="New project").click()
            check_accessibility(page, "new project")
            page.get_by_label("Name (required)").fill("Brede School Noord")
            page.get_by_label("City").fill("Amersfoort")
            page.get_by_label("Proposal deadline (UTC)").fill("2031-06-30T12:00")
            page.get_by_label("Woningbouw").check()
            page.get_by_role("button", name="Create project").click()
            expect(page.get_by_role("status")).to_contain_text("The project is created.")
            expect(page.get_by_role("heading", level=1)).to_have_text("Brede School Noord")
            check_accessibility(page, "project")
            project_url = page.url.split("?")[0]

            page.get_by_role("link", name="New workpackage").click()
            check_accessibility(page, "new workpackage")
            page.get_by_label("Name (required)").fill("Dakwerk")
            page.get_by_label("Code").fill("33")
            page.get_by_role("button", name="Create workpackage").click()
            expect(page.get_by_role("status")).to_contain_text("The workpackage is created.")
            wp_url = page.url.split("?")[0]
            wp_id = int(wp_url.rsplit("/", 1)[1])

            # Lines from xlsx: a wrong row imports nothing and says where; then the right file.
            bad = _xlsx([["code", "description", "quantity", "unit"],
                         ["33.01", "Dakbedekking bitumen", 420, "m2"],
                         ["33.02", "Dakranden", "veel", "m1"]])
            page.get_by_label("Spreadsheet").set_input_files(
                {"name": "dak.xlsx", "mimeType": XLSX, "buffer": bad})
            page.get_by_role("button", name="Import lines").click()
            alert = page.get_by_role("alert")
            expect(alert).to_contain_text("Nothing was imported.")
            expect(alert).to_contain_text("Row 3, column C (quantity): 'veel'")
            expect(page.locator("table.lines tbody tr")).to_have_text(re.compile("No budget lines"))
            check_accessibility(page, "workpackage with import errors")
            good = _xlsx([["code", "description", "quantity", "unit"],
                          ["33.01", "Dakbedekking bitumen", 420, "m2"],
                          ["33.02", "Dakranden aluminium", 86.5, "m1"],
                          ["33.03", "Hemelwaterafvoeren", 6, "st"]])
            page.get_by_label("Spreadsheet").set_input_files(
                {"name": "dak.xlsx", "mimeType": XLSX, "buffer": good})
            page.get_by_role("button", name="Import lines").click()
            expect(page.get_by_role("status")).to_contain_text("The spreadsheet's lines are added.")
            expect(page.locator("table.lines tbody tr")).to_have_count(3)

            # Keyboard only: a fourth line typed from field to field, added with Enter (htmx
            # swaps the lines section in place).
            page.get_by_label("Code", exact=True).last.focus()
            page.keyboard.type("33.04")
            for text in ("Lood", "12.5", "kg"):
                page.keyboard.press("Tab")
                page.keyboard.type(text)
            page.keyboard.press("Enter")
            expect(page.locator("table.lines tbody tr")).to_have_count(4)
            expect(page.locator("#lines").get_by_role("status")).to_contain_text("The line is added.")
            page.get_by_role("button", name="Delete line 4").click()
            expect(page.locator("table.lines tbody tr")).to_have_count(3)

            # A document, then a new version of it.
            page.get_by_label("File (any type").set_input_files(
                {"name": "dakplan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 a"})
            page.get_by_role("button", name="Upload").click()
            expect(page.get_by_role("status")).to_contain_text("The document is uploaded.")
            page.get_by_label("File (any type").set_input_files(
                {"name": "dakplan-b.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 b"})
            page.get_by_label("Upload as").select_option(label="version 2 of dakplan.pdf")
            page.get_by_role("button", name="Upload").click()
            expect(page.locator("#documents tbody tr")).to_have_count(1)
            expect(page.locator("#documents tbody td").nth(1)).to_have_text("2")
            check_accessibility(page, "workpackage")

            # Invite: Bakker found by trade, Van Dijk by name.
            page.get_by_role("link", name="Invitations").click()
            page.get_by_label("Trade").select_option("Dakwerk")
            page.get_by_role("button", name="Search").click()
            page.get_by_role("button", name=f"Invite {demo.OTHER_SUB_NAME}").click()
            expect(page.get_by_role("status")).to_contain_text("The subcontractor is invited")
            page.get_by_label("Name", exact=True).fill("van dijk")
            page.get_by_role("button", name="Search").click()
            page.get_by_role("button", name=f"Invite {demo.SUB_NAME}").click()
            expect(page.locator("table.board tbody tr")).to_have_count(2)
            check_accessibility(page, "invitations")
            bakker_rfp, vandijk_rfp = _rfp_id(page, "Bakker"), _rfp_id(page, "Van Dijk")

            _bid(http, demo.OTHER_SUB_ADMIN[1], bakker_key, bakker_rfp,
                 {"33.01": "38.50", "33.02": "24.00", "33.03": "0.00"})
            _bid(http, keys["api_user"], keys["api_key"], vandijk_rfp,
                 {"33.01": "41.00", "33.02": "19.75", "33.03": None},
                 {"description": "Valbeveiliging", "quantity": "1", "unit": "ps",
                  "totalPrice": "850.00"})
            page.reload()
            board = page.locator("table.board")
            expect(board.get_by_role("row").filter(has_text="Bakker")).to_contain_text("Submitted")
            expect(board.get_by_role("row").filter(has_text="Bakker")).to_contain_text("version 1")
            expect(board.get_by_role("row").filter(has_text="Van Dijk")).not_to_contain_text(
                "not yet")  # opened

            # The comparison: lowest per line, "not priced" apart from 0, extra lines flagged.
            page.get_by_role("link", name="Bid comparison").click()
            grid = page.locator("table.leveling")
            row1 = grid.get_by_role("row").filter(has_text="Dakbedekking bitumen")
            expect(row1.locator(".cell-lowest")).to_have_count(2)  # Bakker's 38.50 and total
            expect(row1.locator(".cell-lowest").last).to_contain_text("16170.00")
            row2 = grid.get_by_role("row").filter(has_text="Dakranden")
            expect(row2.locator(".cell-lowest").last).to_contain_text("1708.38")  # 86.5 × 19.75
            row3 = grid.get_by_role("row").filter(has_text="Hemelwaterafvoeren")
            expect(row3.locator(".cell-none")).to_have_text("not priced")
            expect(row3.locator(".cell-lowest").last).to_contain_text("0.00")
            extra = grid.get_by_role("row").filter(has_text="Valbeveiliging")
            expect(extra).to_contain_text("differs from scope")
            expect(grid.locator("tfoot tr.grand")).to_contain_text("18246.00")  # Bakker
            expect(grid.locator("tfoot tr.grand")).to_contain_text("19778.38")  # Van Dijk
            check_accessibility(page, "comparison")
            with page.expect_download() as download:
                page.get_by_role("link", name="Export to xlsx").click()
            sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
            values = [[c.value for c in row] for row in sheet.iter_rows()]
            assert values[0][0] == "Brede School Noord — Dakwerk: bid comparison"
            assert values[3][:4] == ["33.01", "Dakbedekking bitumen", 420, "m2"]
            assert "not priced" in values[5]

            # Award Bakker; Van Dijk is thanked.
            page.get_by_role("link", name="Award…").click()
            check_accessibility(page, "award")
            page.get_by_label(re.compile(demo.OTHER_SUB_NAME)).check()
            page.get_by_role("button", name="Award").click()
            expect(page.get_by_role("status")).to_contain_text("the other bidders are set to")
            page.get_by_role("link", name="Invitations").click()
            expect(board.get_by_role("row").filter(has_text="Bakker")).to_contain_text("Awarded")
            expect(board.get_by_role("row").filter(has_text="Van Dijk")).to_contain_text(
                "Not awarded")
            page.get_by_role("link", name=f"Messages with {demo.SUB_NAME}").click()
            expect(page.locator(".thread")).to_contain_text("Thank you for your proposal")
            page.get_by_label(f"Your message to {demo.SUB_NAME}").fill("Tot een volgende keer.")
            page.get_by_role("button", name="Send message").click()
            expect(page.get_by_role("status")).to_contain_text("Your message is sent.")
            check_accessibility(page, "messages")

            # The audit log shows the web actions in the administrator's name.
            for event in ("project.created", "budget_lines.added", "document.versioned",
                          "rfp.invited", "rfp.status_changed", "message.sent"):
                page.goto(f"/account/audit?view=events&name={event}")
                expect(page.locator("table.data tbody tr").first).to_contain_text(
                    f"{ADMIN_NAME} (contact)")

            # Phone-sized: the grid scrolls in its own region, the page never sideways.
            phone = browser.new_context(base_url=base, viewport={"width": 390, "height": 844})
            small = phone.new_page()
            small.context.add_cookies(page.context.cookies())
            for path in (f"/workpackages/{wp_id}", f"/workpackages/{wp_id}/comparison",
                         "/projects"):
                small.goto(path)
                assert small.evaluate("document.documentElement.scrollWidth") <= 390, path
            phone.close()
            assert problems == []

            # Another contractor's ids answer 404; so do this project's for a subcontractor.
            sub_page = browser.new_context(base_url=base).new_page()
            _log_in(sub_page, demo.SUB_ESTIMATOR[1], demo.SUB_ESTIMATOR[2])
            for path in (project_url, f"/workpackages/{wp_id}/comparison",
                         f"/workpackages/{wp_id}/comparison.xlsx"):
                response = sub_page.goto(path)
                assert response is not None and response.status == 404, path
            for path in (f"/workpackages/{wp_id}/rfps/999999/messages", "/projects/999999",
                         f"/workpackages/{wp_id + 1000}/invitations"):
                response = page.goto(path)
                assert response is not None and response.status == 404, path
        finally:
            browser.close()
