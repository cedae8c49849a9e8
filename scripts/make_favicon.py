"""Draw the brand mark ("bb" on the brand blue, as in the page header) into web/static/favicon.ico.

Run once after changing the mark: ``.venv/bin/python scripts/make_favicon.py``. Chromium renders
the mark at each size; the sizes are packed as PNG images into one ICO file (the format browsers
ask for at /favicon.ico; PNG entries are part of it since Windows Vista).
"""

from __future__ import annotations

import struct
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parents[1] / "src" / "bidbridge" / "web" / "static" / "favicon.ico"
SIZES = (16, 32, 48)
MARK = """<html><body style="margin:0;background:transparent">
<div style="width:{s}px;height:{s}px;border-radius:{r}px;background:#1f5fbf;color:#fff;
display:grid;place-items:center;font:700 {f}px system-ui,sans-serif;letter-spacing:-.02em">bb</div>
</body></html>"""


def ico(images: list[tuple[int, bytes]]) -> bytes:
    """An ICO container holding PNG images (header, one directory entry per image, the PNGs)."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries, blobs = b"", b""
    for size, png in images:
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(png), offset)
        offset += len(png)
        blobs += png
    return header + entries + blobs


def main() -> None:
    images = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for size in SIZES:
            page = browser.new_page(viewport={"width": size, "height": size})
            page.set_content(MARK.format(s=size, r=max(2, size // 5), f=round(size * 0.55)))
            images.append((size, page.screenshot(omit_background=True)))
            page.close()
        browser.close()
    OUT.write_bytes(ico(images))
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
