"""One RFP for the subcontractor (/bids/{id}): facts, documents, the response, forwarding, and
the message thread. Every action goes through the service the API uses, in the person's name."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bidbridge.errors import AppError
from bidbridge.models import Rfp, RfpResponse
from bidbridge.services import (
    addenda,
    forwarding,
    message_reads,
    messages,
    questions,
    rfp_board,
    rfps,
)
from bidbridge.services.rfp_access import rfp_for_person
from bidbridge.services.rfp_documents import tender_documents
from bidbridge.services.scoping import RFP_OF_SUBCONTRACTOR, effective_deadline, load
from bidbridge.web.bid_board import RESPONSE_LABELS, STATUS_LABELS
from bidbridge.web.bidder import Bidder, BidderDep, field_problem, optional_id
from bidbridge.web.csrf import checked_form, text
from bidbridge.web.templating import render, secure_headers

router = APIRouter()

NOTE_LIMIT = 2000
MESSAGES = {
    "responded": "Your response is recorded; the contractor sees it.",
    "forwarded": "The RFP was forwarded to your partner. Your company has stepped out of it.",
    "sent": "Your message was sent to the contractor.",
    "acknowledged": "The addendum is acknowledged; the contractor sees it.",
    "asked": "Your question was sent. The answer goes to every bidder; your company is not named.",
    "bill_priced": "Your prices from the file are saved as drafts: check them, then submit.",
}
QUESTION_LIMIT = 5000


def rfp_page(request: Request, me: Bidder, rfp_id: int, *, status: int = 200,
             error: str | None = None, message: str | None = None,
             form: dict[str, str] | None = None, partners_for: str = "",
             bill_problems: list[str] | None = None) -> Response:
    """Draw the RFP page; after a refusal ``form`` keeps what the person typed."""
    db, viewer = me.acting.db, me.viewer
    rfp = rfp_for_person(db, viewer, rfp_id)
    detail = rfps.get_rfp_detail(db, viewer.company_id, rfp.id)
    documents = [e for e in tender_documents(db, viewer.company_id, rfp.id)
                 if e.document.deleted_at is None]
    thread = messages.get_thread(db, viewer.company_id, rfp.id)
    seen_until = message_reads.last_read(db, viewer.contact_id, rfp.id)
    if thread:
        message_reads.mark_read(db, me.acting.ctx, viewer.contact_id, rfp.id,
                                thread[-1].message.id)
    partners = forwarding.find_partners(db, viewer.company_id, partners_for) if partners_for else []
    now = me.acting.ctx.now()
    deadline = effective_deadline(rfp)
    acks = addenda.acknowledgements(db, rfp.id)
    published = addenda.list_addenda(db, rfp.workpackage_id)
    closes = questions.questions_deadline(rfp.project) or deadline
    return render(request, "bids/rfp.html", status=status, section="bids", rfp=rfp,
                  addenda=[(a, acks.get(a.id)) for a in published],
                  unacknowledged=[a.number for a in published if a.id not in acks],
                  questions=questions.questions_for_subcontractor(db, rfp),
                  questions_open=closes is None or now < closes, questions_close=closes,
                  detail=detail, project=rfp.project, wp=rfp.workpackage, documents=documents,
                  thread=thread, seen_until=seen_until, now=now, deadline=deadline,
                  is_open=deadline is None or now < deadline, statuses=STATUS_LABELS,
                  responses=RESPONSE_LABELS, error=error,
                  message=message or MESSAGES.get(request.query_params.get("msg", "")),
                  form=form or {}, partners_for=partners_for, partners=partners,
                  bill_problems=bill_problems or [],
                  priced=request.query_params.get("priced", ""))


@router.get("/bids/{rfp_id:id}")
def show_rfp(request: Request, me: BidderDep, rfp_id: int) -> Response:
    find = (request.query_params.get("partner") or "").strip()[:100]
    # Opening the RFP in the browser counts as getRfp does for the contractor's status board.
    rfp_board.mark_opened(me.acting.db, me.acting.ctx, rfp_for_person(me.acting.db, me.viewer,
                                                                      rfp_id))
    return rfp_page(request, me, rfp_id, partners_for=find)


def _done(rfp_id: int, msg: str, anchor: str = "") -> Response:
    return secure_headers(RedirectResponse(f"/bids/{rfp_id}?msg={msg}{anchor}", status_code=303))


@router.post("/bids/{rfp_id:id}/response")
def respond(request: Request, me: BidderDep, rfp_id: int,
            form: FormData = Depends(checked_form)) -> Response:
    typed = {"response": text(form, "response"), "note": text(form, "note")}
    try:
        answer = typed["response"]
        if answer not in [r.value for r in RfpResponse]:
            raise field_problem("response", "choose calculate, pending or decline",
                                "calculate, pending or decline")
        if len(typed["note"]) > NOTE_LIMIT:
            raise field_problem("note", f"the note is longer than {NOTE_LIMIT} characters",
                                f"at most {NOTE_LIMIT} characters")
        rfp = rfp_for_person(me.acting.db, me.viewer, rfp_id)
        me.acting.attempt(lambda: rfps.respond_to_rfp(
            me.acting.db, me.acting.ctx, me.viewer.company_id, rfp.id, RfpResponse(answer),
            typed["note"] or None))
    except AppError as exc:
        if exc.status == 404:
            raise
        return rfp_page(request, me, rfp_id, status=exc.status, error=exc.detail, form=typed)
    return _done(rfp_id, "responded", "#response")


@router.post("/bids/{rfp_id:id}/forward")
def forward(request: Request, me: BidderDep, rfp_id: int,
            form: FormData = Depends(checked_form)) -> Response:
    typed = {"partner_company_id": text(form, "partner_company_id"),
             "forward_message": text(form, "forward_message")}
    try:
        partner = optional_id(typed["partner_company_id"], "partner_company_id")
        if partner is None:
            raise field_problem("partner_company_id", "choose the partner company",
                                "one of the companies found by the partner search")
        if len(typed["forward_message"]) > NOTE_LIMIT:
            raise field_problem("forward_message", f"longer than {NOTE_LIMIT} characters",
                                f"at most {NOTE_LIMIT} characters")
        rfp = rfp_for_person(me.acting.db, me.viewer, rfp_id)
        me.acting.attempt(lambda: forwarding.forward_rfp(
            me.acting.db, me.acting.ctx, me.viewer.company_id, rfp.id, partner,
            typed["forward_message"] or None))
    except AppError as exc:
        if exc.status == 404 and exc.data.get("resource") == "rfp":
            raise
        return rfp_page(request, me, rfp_id, status=exc.status if exc.status != 404 else 422,
                        error=exc.detail, form=typed)
    return _done(rfp_id, "forwarded")


@router.post("/bids/{rfp_id:id}/addenda/{number:id}/acknowledge")
def acknowledge(request: Request, me: BidderDep, rfp_id: int, number: int,
                form: FormData = Depends(checked_form)) -> Response:
    try:
        rfp = rfp_for_person(me.acting.db, me.viewer, rfp_id)
        me.acting.attempt(lambda: addenda.acknowledge_addendum(
            me.acting.db, me.acting.ctx, lock_rfp(me, rfp.id), number))
    except AppError as exc:
        if exc.status == 404 and exc.data.get("resource") == "rfp":
            raise
        return rfp_page(request, me, rfp_id, status=exc.status, error=exc.detail)
    return _done(rfp_id, "acknowledged", "#addenda")


@router.post("/bids/{rfp_id:id}/questions")
def ask(request: Request, me: BidderDep, rfp_id: int,
        form: FormData = Depends(checked_form)) -> Response:
    typed = {"question": text(form, "question")}
    try:
        if not typed["question"].strip():
            raise field_problem("question", "write your question", "text of 1 to 5000 characters")
        if len(typed["question"]) > QUESTION_LIMIT:
            raise field_problem("question", f"longer than {QUESTION_LIMIT} characters",
                                f"at most {QUESTION_LIMIT} characters")
        rfp = rfp_for_person(me.acting.db, me.viewer, rfp_id)
        me.acting.attempt(lambda: questions.ask_question(
            me.acting.db, me.acting.ctx, lock_rfp(me, rfp.id), typed["question"]))
    except AppError as exc:
        if exc.status == 404 and exc.data.get("resource") == "rfp":
            raise
        return rfp_page(request, me, rfp_id, status=exc.status, error=exc.detail, form=typed)
    return _done(rfp_id, "asked", "#questions")


def lock_rfp(me: Bidder, rfp_id: int) -> Rfp:
    """The person's RFP under the row lock the API functions take (addenda serialise on it)."""
    return load(me.acting.db, RFP_OF_SUBCONTRACTOR, rfp_id, for_company=me.viewer.company_id, for_update=True)
