"""Capture each main page of the web app in the real browser into docs/screenshots/.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--port 0] [--only NAME ...]

Starts a server of its own (a fresh SQLite data directory with `bidbridge demo`), logs in as the
demo people and saves one PNG per entry of SHOTS, desktop-sized, plus the phone-sized ones.
docs/web.md shows them. Add a page by adding a Shot; ``path`` may use the demo's ids.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, ViewportSize, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
DESKTOP = (1280, 860)
PHONE = (390, 844)

ESTIMATOR = "estimator@vandijk.test"
CONTRACTOR = "admin@devries.test"


def open_rfp(demo: dict[str, Any]) -> int:
    """The demo RFP of Van Dijk that is still open (not past its deadline), with budget lines."""
    return next(r["id"] for r in demo["rfps"] if r["subcontractor"].startswith("Van Dijk")
                and not r["deadline_passed"] and r["workpackage"] == "Installaties W")


@dataclass(frozen=True)
class Shot:
    name: str  # the PNG's file name, without .png
    login: str | None  # a demo e-mail; None: logged out
    path: Callable[[dict[str, Any]], str]
    viewport: tuple[int, int] = DESKTOP  # width, height
    prepare: Callable[[Page], None] | None = None  # run after the page loaded
    section: str | None = None  # a CSS selector: shoot only that part of the page


def _estimator_works(page: Page, demo: dict[str, Any]) -> None:
    """Before the shots: the estimator answers, prices, writes and submits, so the pages show a
    tender in progress (all through the pages themselves)."""
    rfp = open_rfp(demo)
    page.goto(f"/bids/{rfp}")
    page.get_by_label("I'll calculate").check()
    page.get_by_label("Note to the contractor").fill("Prijs volgt voor vrijdag.")
    page.get_by_role("button", name="Send response").click()
    page.goto(f"/bids/{rfp}/pricing")
    prices = page.locator("input[data-price]")
    for i, price in enumerate(("18450.00", "38.75", "24.10")):
        prices.nth(i).fill(price)
    page.locator("#desc-new").fill("Steigerwerk binnengevel")
    page.locator("#qty-new").fill("1")
    page.locator("#unit-new").fill("ps")
    page.locator("#price-new").fill("2150.00")
    page.get_by_role("button", name="Save draft").click()
    page.goto(f"/bids/{rfp}/proposals")
    page.get_by_label("Message to the contractor").fill("Prijs geldig 60 dagen, excl. btw.")
    page.get_by_label(re.compile("I confirm")).check()
    page.get_by_role("button", name="Submit proposal").click()
    page.wait_for_url(re.compile(r"/proposals/\d+"))
    demo["receipt_path"] = page.url.split("?", 1)[0].removeprefix(page.url.split("/bids", 1)[0])
    page.goto(f"/bids/{rfp}#messages")
    page.get_by_label(re.compile("Write to")).fill("Is het steigerwerk aan de binnengevel "
                                                   "voor onze rekening?")
    page.get_by_role("button", name="Send message").click()


def addendum_rfp(demo: dict[str, Any]) -> int:
    """Van Dijk's "Sanitair" RFP: the demo publishes an addendum on it."""
    return next(r["id"] for r in demo["rfps"] if r["subcontractor"].startswith("Van Dijk")
                and r["workpackage"] == "Sanitair")


def _contractor_changes(page: Page, demo: dict[str, Any]) -> None:
    """After the bids are in: the contractor answers a question and publishes an addendum on
    "Installaties W", so the comparison shows bids that need reconfirmation."""
    page.goto(f"/projects/{demo_project(demo)}")
    open_workpackage()(page)
    page.locator("#questions textarea").first.fill("Ja: inregelen en het inregelrapport vallen "
                                                   "onder 53.40.")
    page.locator("#questions").get_by_role("button", name="Send").first.click()
    page.wait_for_load_state()
    page.get_by_label("What changes").fill("Ventilatiekanalen: tracé gewijzigd, zie tekening "
                                           "53 (versie 2). Hoeveelheden ongewijzigd.")
    page.get_by_role("button", name="Publish addendum").click()
    page.wait_for_load_state()


def demo_project(demo: dict[str, Any]) -> int:
    return int(demo["projects"]["Nieuwbouw Kantoor Leidsche Rijn"])


def open_workpackage(tab: str | None = None) -> Callable[[Page], None]:
    """From the demo project's page to its "Installaties W" (which has demo bids), then a tab."""
    def go(page: Page) -> None:
        page.get_by_role("link", name="Installaties W", exact=True).click()
        if tab:
            page.get_by_role("link", name=tab, exact=True).click()
        page.wait_for_load_state()
    return go


def search_trade(page: Page) -> None:
    open_workpackage("Invitations")(page)
    page.get_by_label("Trade").select_option("Werktuigbouwkundige installaties")
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state()


def upload_wrong_bid(page: Page) -> None:
    """The estimator uploads an X84 whose first quantity was changed: every difference shows."""
    from bidbridge.api.docs.examples import example_x84

    wrong = example_x84().replace(b"<Qty>2</Qty>", b"<Qty>3</Qty>", 1)
    page.set_input_files("#bill-file", files=[{"name": "bid.X84", "mimeType": "application/xml",
                                               "buffer": wrong}])
    page.get_by_role("button", name="Upload prices").click()
    page.wait_for_load_state()


def import_gaeb_bill(page: Page) -> None:
    """The contractor imports an X83 with every item type into "Metselwerk"."""
    page.get_by_role("link", name="Metselwerk", exact=True).click()
    page.wait_for_load_state()
    x83 = (ROOT / "src" / "bidbridge" / "api" / "docs" / "example.X83").read_bytes()
    page.set_input_files("#bill-file", files=[{"name": "lv.X83", "mimeType": "application/xml",
                                               "buffer": x83}])
    page.get_by_role("button", name="Import bill").click()
    page.wait_for_load_state()


def open_award(page: Page) -> None:
    open_workpackage("Bid comparison")(page)
    page.get_by_role("link", name="Award…").click()
    page.wait_for_load_state()


SHOTS: list[Shot] = [
    Shot("login", None, lambda d: "/login"),
    Shot("bid-board", ESTIMATOR, lambda d: "/bids"),
    Shot("bid-board-phone", ESTIMATOR, lambda d: "/bids", PHONE),
    Shot("rfp", ESTIMATOR, lambda d: f"/bids/{open_rfp(d)}"),
    Shot("pricing", ESTIMATOR, lambda d: f"/bids/{open_rfp(d)}/pricing"),
    Shot("pricing-phone", ESTIMATOR, lambda d: f"/bids/{open_rfp(d)}/pricing", PHONE),
    Shot("proposals", ESTIMATOR, lambda d: f"/bids/{open_rfp(d)}/proposals"),
    Shot("receipt", ESTIMATOR, lambda d: str(d["receipt_path"])),
    Shot("my-account", ESTIMATOR, lambda d: "/account"),
    Shot("api-tab-webhooks", "api@vandijk.test", lambda d: "/account/api"),
    Shot("projects", CONTRACTOR, lambda d: "/projects"),
    Shot("project", CONTRACTOR, lambda d: f"/projects/{demo_project(d)}"),
    Shot("project-form", CONTRACTOR, lambda d: f"/projects/{demo_project(d)}/edit"),
    Shot("workpackage", CONTRACTOR, lambda d: f"/projects/{demo_project(d)}",
         prepare=open_workpackage()),
    Shot("workpackage-phone", CONTRACTOR, lambda d: f"/projects/{demo_project(d)}", PHONE,
         prepare=open_workpackage()),
    Shot("invitations", CONTRACTOR, lambda d: f"/projects/{demo_project(d)}",
         prepare=search_trade),
    Shot("comparison", CONTRACTOR, lambda d: f"/projects/{demo_project(d)}",
         prepare=open_workpackage("Bid comparison")),
    Shot("comparison-phone", CONTRACTOR, lambda d: f"/projects/{demo_project(d)}", PHONE,
         prepare=open_workpackage("Bid comparison")),
    Shot("award", CONTRACTOR, lambda d: f"/projects/{demo_project(d)}", prepare=open_award),
    Shot("rfp-addenda", ESTIMATOR, lambda d: f"/bids/{addendum_rfp(d)}", section="#addenda"),
    Shot("rfp-questions", ESTIMATOR, lambda d: f"/bids/{open_rfp(d)}", section="#questions"),
    Shot("workpackage-addenda", CONTRACTOR, lambda d: f"/projects/{demo_project(d)}",
         prepare=open_workpackage(), section="#addenda"),
    Shot("workpackage-questions", CONTRACTOR, lambda d: f"/projects/{demo_project(d)}",
         prepare=open_workpackage(), section="#questions"),
    Shot("rfp-bill", ESTIMATOR, lambda d: f"/bids/{open_rfp(d)}", prepare=upload_wrong_bid,
         section="#bill"),
    Shot("workpackage-bill", CONTRACTOR, lambda d: f"/projects/{demo_project(d)}",
         prepare=import_gaeb_bill, section="main"),
]
# Run once, before the shots, as (login, action).
SETUP: list[tuple[str, Callable[[Page, dict[str, Any]], None]]] = [
    (ESTIMATOR, _estimator_works),
    (CONTRACTOR, _contractor_changes),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(data_dir: Path, port: int) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIDBRIDGE_")}
    env.update(BIDBRIDGE_DATA_DIR=str(data_dir), BIDBRIDGE_ENV="development")
    out = subprocess.run([str(BIN / "bidbridge"), "demo", "--json"], env=env, check=True,
                         capture_output=True, text=True, timeout=300)
    demo = json.loads(out.stdout)
    process = subprocess.Popen([str(BIN / "python"), "-m", "uvicorn", "bidbridge.asgi:app",
                                "--host", "127.0.0.1", "--port", str(port),
                                "--log-level", "warning"], env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200:
                return process, demo
        except httpx.TransportError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("the server did not come up within 60 s")


def _password(demo: dict[str, Any], email: str) -> str:
    return str(next(login["password"] for login in demo["logins"] if login["email"] == email))


def _size(viewport: tuple[int, int]) -> ViewportSize:
    return {"width": viewport[0], "height": viewport[1]}


def _log_in(page: Page, demo: dict[str, Any], email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(_password(demo, email))
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def capture(shots: list[Shot], out: Path, port: int) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="bidbridge-shots-") as tmp:
        process, demo = _serve(Path(tmp), port)
        base = f"http://127.0.0.1:{port}"
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
                for login, action in SETUP:
                    context = browser.new_context(base_url=base, viewport=_size(DESKTOP))
                    page = context.new_page()
                    _log_in(page, demo, login)
                    action(page, demo)
                    context.close()
                for shot in shots:
                    context = browser.new_context(base_url=base, viewport=_size(shot.viewport))
                    page = context.new_page()
                    if shot.login is not None:
                        _log_in(page, demo, shot.login)
                    response = page.goto(shot.path(demo))
                    if response is None or response.status != 200:
                        status = response.status if response else "no response"
                        raise SystemExit(f"{shot.name}: {shot.path(demo)} answered {status}")
                    if shot.prepare is not None:
                        shot.prepare(page)
                    target = out / f"{shot.name}.png"
                    if shot.section:
                        page.locator(shot.section).screenshot(path=str(target))
                    else:
                        page.screenshot(path=str(target), full_page=True)
                    saved.append(target)
                    context.close()
                browser.close()
        finally:
            process.terminate()
            process.wait(timeout=15)
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--only", nargs="*", help="names of the shots to take")
    args = parser.parse_args()
    shots = [s for s in SHOTS if not args.only or s.name in args.only]
    for path in capture(shots, args.out, args.port or _free_port()):
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


if __name__ == "__main__":
    main()
