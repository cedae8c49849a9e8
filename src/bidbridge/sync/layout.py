"""How the sync folder reads for a person: names of folders and files, the budget-line sheet,
and the README.txt that says what the folder is."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Any

README_NAME = "README.txt"
README = """\
This folder is a mirror of your RFPs on bidbridge, written by `bidbridge sync`.

It is not meant to be committed to version control or edited: the next sync overwrites what
changed upstream, and documents shared by several RFPs are one file linked into each folder.
Run `bidbridge sync --out <this folder>` again to bring it up to date.

  rfps/<rfp id> <project> - <workpackage>/
      rfp.json               the RFP: project, workpackage, contractor, deadlines, response
      documents/             the current version of each tender document, under its own name
      documents.json         the list of documents with their versions and SHA-256
      messages.json          the message thread with the contractor
      attachments/           files attached to the messages
      budget-lines.csv       the budget lines with your draft prices (opens in a spreadsheet)
      budget-lines.json      the same, exactly as the API gives them (decimals as strings)
      proposals.json         every version of your proposal, newest first
      proposals/v<N>-receipt.json   the receipt of each version, with its contentSha256

  .bidbridge-sync.json       where the last sync stopped (keep it; delete it to start over)
  .partial/                  a download that was interrupted; the next sync resumes it
"""
BUDGET_COLUMNS = ["kind", "code", "description", "quantity", "unit", "unit price", "line total",
                  "priced by", "included", "deleted"]
_UNSAFE = re.compile(r"[^\w.\- ]+")


def safe_name(name: str, limit: int = 150) -> str:
    """A file name that stays inside its folder on every platform (letters of any script kept)."""
    cleaned = _UNSAFE.sub("_", name).strip(" .") or "document"
    return cleaned[:limit].rstrip(" .")


def rfp_folder(rfp_id: int, project: str, workpackage: str) -> str:
    """rfps/<id> <project> - <workpackage>: the id first, so folders sort and stay unique."""
    return f"rfps/{rfp_id} {safe_name(f'{project} - {workpackage}', limit=80)}"


class Names:
    """Unique file names within one folder: a second "plan.pdf" becomes "plan (id 12).pdf"."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def claim(self, name: str, document_id: int) -> str:
        wanted = safe_name(name)
        if wanted.lower() in self.taken:
            path = PurePosixPath(wanted)
            wanted = f"{path.stem} (id {document_id}){path.suffix}"
        self.taken.add(wanted.lower())
        return wanted


def budget_sheet_csv(sheet: dict[str, Any]) -> bytes:
    """getBudgetLines as a spreadsheet: one row per budget line, then our own extra rows."""
    rows: list[list[Any]] = []
    for line in sheet["lines"]:
        price = line.get("price") or {}
        rows.append(["line", line["code"], line["description"], line["quantity"], line["unit"],
                     price.get("unitPrice"), price.get("totalPrice"), price.get("pricedBy"),
                     _yes(price.get("included")) if price else "", _yes(line["deleted"])])
    for extra in sheet["extraRows"]:
        rows.append(["extra", None, extra["description"], extra["quantity"], extra["unit"],
                     extra["unitPrice"], extra["totalPrice"], extra["pricedBy"],
                     _yes(extra["included"]), _yes(extra["deleted"])])
    totals = sheet["totals"]
    rows.append(["total", None, f"included total ({totals['currency']})", None, None, None,
                 totals["includedTotal"], None, None, None])
    return _csv([BUDGET_COLUMNS, *rows])


def _yes(flag: Any) -> str:
    return "yes" if flag else "no"


def _csv(rows: Iterable[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if cell is None else cell for cell in row])
    # UTF-8 with a byte-order mark: spreadsheet programs then read accents right.
    return ("\ufeff" + out.getvalue()).encode()
