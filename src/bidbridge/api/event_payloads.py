"""How an event's subject is rendered: exactly as the read functions answer for it at that moment."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bidbridge.api.subcontractor.documents import document_out
from bidbridge.api.subcontractor.messages import message_out
from bidbridge.api.subcontractor.proposals import proposal_out
from bidbridge.api.subcontractor.rfp_models import rfp_answer
from bidbridge.clock import unix
from bidbridge.models import Rfp
from bidbridge.services import addenda, messages, proposals, rfps, scoping
from bidbridge.services.context import RequestContext
from bidbridge.services.events import renders
from bidbridge.services.rfp_documents import tender_documents


@renders("rfp")
def _rfp(session: Session, ctx: RequestContext, company_id: int, subject_id: int,
         rfp_id: int | None) -> dict[str, Any]:
    detail = rfps.get_rfp_detail(session, company_id, subject_id)
    return rfp_answer(detail, unix(ctx.now()))


@renders("document")
def _document(session: Session, ctx: RequestContext, company_id: int, subject_id: int,
              rfp_id: int | None) -> dict[str, Any]:
    assert rfp_id is not None, "a document event names its RFP"
    entry = next(e for e in tender_documents(session, company_id, rfp_id)
                 if e.document.id == subject_id)
    return document_out(entry).model_dump(mode="json")


@renders("message")
def _message(session: Session, ctx: RequestContext, company_id: int, subject_id: int,
             rfp_id: int | None) -> dict[str, Any]:
    assert rfp_id is not None, "a message event names its RFP"
    found = next(m for m in messages.get_thread(session, company_id, rfp_id)
                 if m.message.id == subject_id)
    return message_out(found).model_dump(mode="json")


@renders("proposal")
def _proposal(session: Session, ctx: RequestContext, company_id: int, subject_id: int,
              rfp_id: int | None) -> dict[str, Any]:
    proposal = scoping.load(session, scoping.PROPOSAL_OF_SUBCONTRACTOR, subject_id, for_company=company_id)
    files = proposals.attachments_of(session, [proposal.id])
    rfp = session.get(Rfp, proposal.rfp_id)
    assert rfp is not None
    latest = addenda.latest_number(session, rfp.workpackage_id)
    return proposal_out(proposal, files[proposal.id], latest).model_dump(mode="json")
