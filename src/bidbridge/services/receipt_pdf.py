"""A proposal's receipt as a PDF (reportlab): what was submitted, when, by whom, and its hash.

The PDF restates the stored proposal; its ``contentSha256`` is the one an integrator recomputes
from getProposals (docs/proposals.md), so the paper and the data can be checked against each other.

reportlab loads with this module, which the receipt's download imports when it is asked for, so a
server worker that never writes a receipt carries none of it.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from bidbridge.models import Proposal, Rfp
from bidbridge.services.proposals import AttachmentInfo

_GRID = TableStyle([
    ("FONT", (0, 0), (-1, -1), "Helvetica", 8),
    ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
    ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.HexColor("#1c2430")),
    ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#dde3ea")),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
])


def _p(text: object, style: str = "BodyText") -> Paragraph:
    return Paragraph(escape("" if text is None else str(text)), _STYLES[style])


_STYLES = getSampleStyleSheet()


def receipt_pdf(proposal: Proposal, rfp: Rfp, attachments: list[AttachmentInfo]) -> bytes:
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=16 * mm, bottomMargin=16 * mm,
                            title=f"Proposal receipt RFP {rfp.id} version {proposal.version}",
                            author="bidbridge")
    state = proposal.state.value + (" (superseded)" if proposal.superseded_at else "")
    facts = [
        ("Project", rfp.project.name),
        ("Workpackage", " ".join(filter(None, [rfp.workpackage.code, rfp.workpackage.name]))),
        ("Contractor", rfp.contractor.name),
        ("Subcontractor", rfp.company.name),
        ("RFP", str(rfp.id)),
        ("Version", str(proposal.version)),
        ("State", state),
        ("Submitted", proposal.submitted_at.strftime("%Y-%m-%d %H:%M:%S UTC")
         + f" by {proposal.submitted_by_name}"),
        ("Total", f"{proposal.currency} {proposal.total_amount:.2f}"),
        ("contentSha256", proposal.content_sha256),
    ]
    story = [
        _p("Proposal receipt", "Title"),
        Table([[_p(k), _p(v)] for k, v in facts], colWidths=[34 * mm, None],
              style=TableStyle([("FONT", (0, 0), (-1, -1), "Helvetica", 9),
                                ("VALIGN", (0, 0), (-1, -1), "TOP")])),
        Spacer(1, 6 * mm),
    ]
    if proposal.message:
        story += [_p("Message", "Heading3"), _p(proposal.message), Spacer(1, 4 * mm)]
    story.append(_p("Priced lines", "Heading3"))
    rows = [["Code", "Description", "Quantity", "Unit", "Unit price", "Total", "Included"]]
    for line in proposal.lines:
        rows.append([line.get("code") or ("own line" if line.get("kind") == "extra" else ""),
                     _p(line.get("description")), line.get("quantity") or "",
                     line.get("unit") or "", line.get("unitPrice") or "",
                     line.get("totalPrice") or "", "yes" if line.get("included") else "no"])
    if len(rows) == 1:
        rows.append(["", _p("A total price without budget lines."), "", "", "", "", ""])
    story.append(Table(rows, colWidths=[18 * mm, None, 20 * mm, 12 * mm, 22 * mm, 24 * mm,
                                        15 * mm], style=_GRID, repeatRows=1))
    if attachments:
        story += [Spacer(1, 4 * mm), _p("Attachments", "Heading3")]
        files = [["Name", "Size (bytes)", "SHA-256"]]
        files += [[_p(a.name), str(a.size), _p(a.sha256)] for a in attachments]
        story.append(Table(files, colWidths=[55 * mm, 22 * mm, None], style=_GRID))
    doc.build(story)
    return out.getvalue()
