"""The accessibility check of the browser tests: axe-core, run inside the page by Playwright.

axe-core comes from npm, pinned in web-assets/package-lock.json and installed with ``npm ci`` on
first use (as tests/docs installs newman). ``check_accessibility(page, "bid board")`` fails on any
serious or critical violation and lists each rule with the elements it found.
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

ASSETS = Path(__file__).resolve().parents[2] / "web-assets"
AXE = ASSETS / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")

_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 8).map(n => n.target.join(" ") + " — " + n.failureSummary),
  }));
}"""


def install_web_assets() -> Path:
    """``npm ci`` in web-assets/ once per lockfile (serialised across xdist workers)."""
    if shutil.which("npm") is None:
        raise RuntimeError("npm is required for the accessibility check: install Node.js "
                           "(apt-get install npm)")
    with (ASSETS / ".install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp = ASSETS / "node_modules" / ".bidbridge-lock"
        wanted = (ASSETS / "package-lock.json").read_text()
        if not AXE.exists() or not stamp.exists() or stamp.read_text() != wanted:
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                           cwd=ASSETS, check=True, timeout=600)
            stamp.write_text(wanted)
    return ASSETS / "node_modules"


@cache
def axe_source() -> str:
    install_web_assets()
    return AXE.read_text()


def violations(page: Page) -> list[dict[str, Any]]:
    """Every axe violation on the page as it is now."""
    # Evaluated over the DevTools protocol: the page's Content-Security-Policy (scripts from
    # /static only) stays in force for the page's own scripts and is not loosened for the test.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    found: list[dict[str, Any]] = page.evaluate(_RUN)
    return found


def check_accessibility(page: Page, where: str) -> None:
    """Fail on any serious or critical violation, naming the page, each rule and its elements."""
    blocking = [v for v in violations(page) if v["impact"] in BLOCKING]
    if blocking:
        lines = [f"{where} ({page.url}): {len(blocking)} serious or critical axe violation(s)"]
        for v in blocking:
            lines.append(f"- {v['id']} [{v['impact']}]: {v['help']}")
            lines.extend(f"    {node}" for node in v["nodes"])
        raise AssertionError("\n".join(lines))
