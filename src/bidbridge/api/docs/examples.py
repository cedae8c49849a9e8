"""The captured examples (examples.json) and the small PDF that example uploads send."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

EXAMPLES_FILE = Path(__file__).with_name("examples.json")


@cache
def load_examples() -> dict[str, Any]:
    if not EXAMPLES_FILE.exists():
        return {}
    return dict(json.loads(EXAMPLES_FILE.read_text()))


def example_of(api: str, name: str) -> dict[str, Any] | None:
    found = load_examples().get(api, {}).get(name)
    return dict(found) if found else None


def example_pdf() -> bytes:
    """A valid one-page PDF, small enough to upload in every example."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
