"""Proposals of one RFP (/bids/{id}/proposals): submit a version with attachments after an
explicit confirmation, read every earlier version, and take the receipt as a PDF.

Submission goes through services.proposals.submit_proposal, as submitProposal does: the same
snapshot, total, contentSha256, deadline refusal and audit event. The form carries an
idempotency key, so a double click or a reload of the POST yields the same version, never two.
"""

from __future__ import annotations

import re
import uuid

from fastapi import APIRouter, Depends
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bidbridge.errors import AppError, NotFound
from bidbridge.models import Proposal, Rfp
from bidbridge.services import addenda, documents, money, pricing, proposals
from bidbridge.services.proposals import Submission
from bidbridge.services.rfp_access import rfp_for_person
from bidbridge.services.scoping import PROPOSAL_OF_SUBCONTRACTOR, effective_deadline, load
from bidbridge.web.bidder import Bidder, BidderDep, field_problem
from bidbridge.web.csrf import checked_upload_form, text
from bidbridge.web.rfp_files import disposition
from bidbridge.web.templating import render, secure_headers

router = APIRouter()

MESSAGE_LIMIT = 5000
_KEY = re.compile(r"^[0-9a-f]{32}$")


def _proposal(me: Bidder, rfp: Rfp, proposal_id: int) -> Proposal:
    proposal = load(me.acting.db, PROPOSAL_OF_SUBCONTRACTOR, proposal_id, for_company=me.viewer.company_id)
    if proposal.rfp_id != rfp.id:
        raise NotFound(f"There is no proposal {proposal_id} on RFP {rfp.id}.", code="not_found")
    return proposal


def _list_page(request: Request, me: Bidder, rfp_id: int, *, status: int = 200,
               error: str | None = None, typed: dict[str, str] | None = None) -> Response:
    db = me.acting.db
    rfp = rfp_for_person(db, me.viewer, rfp_id)
    _, versions = proposals.list_proposals(db, me.viewer.company_id, rfp.id)
    sheet = pricing.load_sheet(db, rfp)
    has_lines = any(line.deleted_at is None for line, _ in sheet.lines)
    now = me.acting.ctx.now()
    deadline = effective_deadline(rfp)
    latest = addenda.latest_number(db, rfp.workpackage_id)
    missing = sorted({a.number for a in addenda.list_addenda(db, rfp.workpackage_id)}
                     - addenda.acknowledged_numbers(db, rfp.id))
    return render(request, "bids/proposals.html", status=status, section="bids", rfp=rfp,
                  latest_addendum=latest, unacknowledged=missing,
                  needs_reconfirmation=lambda p: proposals.needs_reconfirmation(p, latest),
                  versions=versions, sheet=sheet, has_lines=has_lines, deadline=deadline,
                  now=now, is_open=deadline is None or now < deadline,
                  next_version=max((p.version for p in versions), default=0) + 1,
                  idempotency_key=uuid.uuid4().hex, typed=typed or {}, error=error)


@router.get("/bids/{rfp_id:id}/proposals")
def proposals_page(request: Request, me: BidderDep, rfp_id: int) -> Response:
    return _list_page(request, me, rfp_id)


def _submission(form: FormData, has_lines: bool) -> Submission:
    if form.get("confirm") != "yes":
        raise field_problem("confirm", "tick the box to confirm that you submit this proposal",
                            "the confirmation checked")
    message = text(form, "message")
    if len(message) > MESSAGE_LIMIT:
        raise field_problem("message", f"longer than {MESSAGE_LIMIT} characters",
                            f"at most {MESSAGE_LIMIT} characters")
    total = None
    if not has_lines:
        try:
            total = money.parse_decimal(text(form, "total_amount") or None, decimals=2,
                                        limit=money.MAX_AMOUNT, what="the total price in EUR")
        except money.DecimalRefused as exc:
            raise field_problem("total_amount", exc.message, "an amount such as 12500.00"
                                ) from exc
    key = text(form, "idempotency_key")
    files = [f for f in form.getlist("attachments") if isinstance(f, UploadFile) and f.filename]
    attachments = [proposals.make_attachment(documents.Upload(
        f.filename or "attachment", f.content_type or "", f.file)) for f in files]
    return Submission(message=message or None, total_amount=total, attachments=attachments,
                      idempotency_key=key if _KEY.match(key) else None)


@router.post("/bids/{rfp_id:id}/proposals")
def submit(request: Request, me: BidderDep, rfp_id: int,
           form: FormData = Depends(checked_upload_form)) -> Response:
    typed = {"message": text(form, "message"), "total_amount": text(form, "total_amount")}
    db = me.acting.db
    rfp = rfp_for_person(db, me.viewer, rfp_id)
    try:
        sheet = pricing.load_sheet(db, rfp)
        submission = _submission(form, any(line.deleted_at is None for line, _ in sheet.lines))
        done = me.acting.attempt(lambda: proposals.submit_proposal(
            db, me.acting.ctx, me.acting.runtime.storage, me.viewer.company_id, rfp.id,
            submission, max_bytes=me.acting.runtime.settings.max_upload_bytes))
    except AppError as exc:
        return _list_page(request, me, rfp_id, status=exc.status, error=exc.detail, typed=typed)
    return secure_headers(RedirectResponse(
        f"/bids/{rfp.id}/proposals/{done.proposal.id}?msg=submitted", status_code=303))


@router.get("/bids/{rfp_id:id}/proposals/{proposal_id:id}")
def receipt(request: Request, me: BidderDep, rfp_id: int, proposal_id: int) -> Response:
    rfp = rfp_for_person(me.acting.db, me.viewer, rfp_id)
    proposal = _proposal(me, rfp, proposal_id)
    files = proposals.attachments_of(me.acting.db, [proposal.id])[proposal.id]
    submitted = request.query_params.get("msg") == "submitted"
    return render(request, "bids/receipt.html", section="bids", rfp=rfp, proposal=proposal,
                  files=files, message=(f"Version {proposal.version} was submitted to "
                                        f"{rfp.contractor.name}.") if submitted else None)


@router.get("/bids/{rfp_id:id}/proposals/{proposal_id:id}/receipt.pdf")
def receipt_download(me: BidderDep, rfp_id: int, proposal_id: int) -> Response:
    from bidbridge.services.receipt_pdf import receipt_pdf  # reportlab, loaded on first use

    rfp = rfp_for_person(me.acting.db, me.viewer, rfp_id)
    proposal = _proposal(me, rfp, proposal_id)
    files = proposals.attachments_of(me.acting.db, [proposal.id])[proposal.id]
    pdf = receipt_pdf(proposal, rfp, files)
    name = f"receipt-rfp-{rfp.id}-v{proposal.version}.pdf"
    return secure_headers(Response(pdf, media_type="application/pdf",
                                   headers={"Content-Disposition": disposition(name)}))
