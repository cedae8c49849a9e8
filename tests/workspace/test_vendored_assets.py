"""The htmx served from /static is exactly the npm release pinned in web-assets/package-lock.json."""

from __future__ import annotations

import json
from pathlib import Path

from tests.browser.a11y import ASSETS, install_web_assets

VENDOR = Path(__file__).resolve().parents[2] / "src" / "bidbridge" / "web" / "static" / "vendor"


def test_vendored_htmx_is_the_locked_release(client):
    lock = json.loads((ASSETS / "package-lock.json").read_text())
    pinned = lock["packages"]["node_modules/htmx.org"]["version"]
    assert json.loads((ASSETS / "package.json").read_text())["dependencies"]["htmx.org"] == pinned
    modules = install_web_assets()
    released = (modules / "htmx.org" / "dist" / "htmx.min.js").read_bytes()
    assert (VENDOR / "htmx.min.js").read_bytes() == released, (
        "static/vendor/htmx.min.js differs from the pinned release: run scripts/vendor-web-assets.sh")
    served = client.get("/static/vendor/htmx.min.js")
    assert served.status_code == 200 and served.content == released
