"""Forwarding an RFP to a partner company, once: the partner gets its own RFP, we step out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bidbridge.clock import unix
from bidbridge.errors import Conflict, InvalidParameters, NotFound
from bidbridge.models import Company, CompanyKind, Rfp, RfpResponse, RfpStatus
from bidbridge.services import events
from bidbridge.services.audit import record_event
from bidbridge.services.context import RequestContext
from bidbridge.services.rfps import (
    ensure_no_standing_proposal,
    record_status_change,
    status_after_response,
)
from bidbridge.services.scoping import RFP_OF_SUBCONTRACTOR, load, touch_rfp
from bidbridge.services.tender_rules import ensure_before_deadline


@dataclass(frozen=True)
class Forwarded:
    rfp: Rfp
    partner: Company
    partner_rfp: Rfp | None  # None when the partner had an RFP for the workpackage already


def _partner_problem(message: str, problem: str) -> InvalidParameters:
    return InvalidParameters(f"partnerCompanyId: {message}", data={"errors": [{
        "parameter": "partnerCompanyId", "in": "query", "problem": problem, "message": message,
        "expected": "the id of another subcontractor company"}]})


def _partner(session: Session, company_id: int, partner_id: int) -> Company:
    partner = session.get(Company, partner_id)
    if partner is None:
        raise NotFound(f"There is no company {partner_id}. partnerCompanyId must be the id of an "
                       "existing subcontractor company.", code="not_found",
                       data={"resource": "company", "id": partner_id,
                             "parameter": "partnerCompanyId"})
    if partner.id == company_id:
        raise _partner_problem("that is your own company; forward to another subcontractor.",
                               "own_company")
    if partner.kind is not CompanyKind.SUBCONTRACTOR:
        raise _partner_problem(f"company {partner_id} is a contractor; only subcontractors can "
                               "take over an RFP.", "not_a_subcontractor")
    return partner


def forward_rfp(session: Session, ctx: RequestContext, company_id: int, rfp_id: int,
                partner_id: int, message: str | None) -> Forwarded:
    """Hand the RFP to ``partner_id``; ours becomes Not calculating with the response decline."""
    rfp = load(session, RFP_OF_SUBCONTRACTOR, rfp_id, for_company=company_id, for_update=True)
    now = ctx.now()
    if rfp.forwarded_to_company_id is not None:
        when = rfp.forwarded_at.isoformat() if rfp.forwarded_at else "an earlier moment"
        raise Conflict(f"RFP {rfp.id} was already forwarded (at {when}); an RFP can be "
                       "forwarded once.", code="already_forwarded",
                       data={"forwardedTo": rfp.forwarded_to_company_id,
                             "forwardedAt": unix(rfp.forwarded_at) if rfp.forwarded_at else None})
    ensure_before_deadline(rfp, now, "forwarding")
    ensure_no_standing_proposal(session, rfp, "forwarding")
    partner = _partner(session, company_id, partner_id)
    # A partner that already has an RFP for this workpackage is a competing bidder. Refusing
    # would tell us so; instead the forward reads like any other, and the partner keeps the RFP
    # it has (nothing is added to it, and it is not told).
    partner_rfp = _partner_rfp(session, rfp, partner, now)
    before = rfp.status
    rfp.status = status_after_response(before, RfpResponse.DECLINE)
    rfp.response = RfpResponse.DECLINE
    rfp.response_note = None
    rfp.responded_at = now
    rfp.responded_by_name = ctx.actor.name
    rfp.forwarded_to_company_id = partner.id
    rfp.forwarded_rfp_id = partner_rfp.id if partner_rfp is not None else None
    rfp.forwarded_at = now
    rfp.forward_message = message
    touch_rfp(rfp, now)
    label = f"{rfp.workpackage.name} ({rfp.project.name})"
    record_event(session, ctx, "rfp.forwarded", company_id=company_id, target_type="rfp",
                 target_id=rfp.id, target_label=label,
                 data={"partnerCompanyId": partner.id, "partnerCompanyName": partner.name,
                       "message": message})
    if partner_rfp is not None:
        record_event(session, ctx, "rfp.invited", company_id=partner.id, target_type="rfp",
                     target_id=partner_rfp.id, target_label=label,
                     data={"forwardedByCompanyId": company_id,
                           "forwardedByCompanyName": rfp.company.name, "message": message})
    if rfp.status != before:
        record_status_change(session, ctx, rfp, before, cause="forwarded")
    events.emit(session, ctx, "rfp.forwarded", company_id=company_id, subject_id=rfp.id,
                rfp_id=rfp.id, data={"partnerCompanyId": partner.id})
    if partner_rfp is not None:
        events.emit(session, ctx, "rfp.received", company_id=partner.id,
                    subject_id=partner_rfp.id, rfp_id=partner_rfp.id,
                    data={"forwardedByCompanyId": company_id})
    session.flush()
    return Forwarded(rfp=rfp, partner=partner, partner_rfp=partner_rfp)


def _partner_rfp(session: Session, rfp: Rfp, partner: Company, now: datetime) -> Rfp | None:
    """The partner's new RFP, or None when it has one for this workpackage already."""
    already = session.scalar(select(Rfp.id).where(Rfp.workpackage_id == rfp.workpackage_id,
                                                  Rfp.company_id == partner.id))
    if already is not None:
        return None
    partner_rfp = Rfp(workpackage_id=rfp.workpackage_id, project_id=rfp.project_id,
                      company_id=partner.id, contractor_company_id=rfp.contractor_company_id,
                      status=RfpStatus.UNKNOWN, status_shared=False, forwarded_from_rfp_id=rfp.id,
                      invited_at=now, created_at=now, updated_at=now)
    try:
        with session.begin_nested():  # the contractor may invite the partner at this moment
            session.add(partner_rfp)
            session.flush()
    except IntegrityError:
        return None
    return partner_rfp


def find_partners(session: Session, company_id: int, text: str, limit: int = 10
                  ) -> list[Company]:
    """Subcontractor companies other than ours whose name or city contains ``text``."""
    needle = text.strip().lower()
    if len(needle) < 2:
        return []
    return list(session.scalars(
        select(Company).where(Company.kind == CompanyKind.SUBCONTRACTOR, Company.id != company_id,
                              or_(func.lower(Company.name).contains(needle, autoescape=True),
                                  func.lower(Company.city).contains(needle, autoescape=True)))
        .order_by(Company.name, Company.id).limit(limit)))
