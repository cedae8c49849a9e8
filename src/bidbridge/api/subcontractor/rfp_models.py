"""Building what the subcontractor API answers about RFPs (the models are in bidbridge.wire)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bidbridge.clock import unix
from bidbridge.models import Contact, Project, Rfp
from bidbridge.services.rfp_listing import RfpRow
from bidbridge.services.rfp_summary import RfpSummary as RfpSummaryCounts
from bidbridge.services.rfps import RfpDetail
from bidbridge.services.scoping import effective_deadline
from bidbridge.wire.projects import SharedProjectOut
from bidbridge.wire.subcontractor.rfps import (  # noqa: F401  (re-exported)
    ContactCard,
    ContractorOut,
    CountsOut,
    DeadlinesOut,
    ForwardingOut,
    NextDeadlineOut,
    OutcomeOut,
    ProposalRef,
    ResponseOut,
    RfpOut,
    RfpPageOut,
    RfpSummary,
    RfpSummaryOut,
    WorkpackageOut,
)


def _ts(moment: datetime | None) -> int | None:
    return unix(moment) if moment is not None else None


def shared_status(rfp: Rfp) -> str | None:
    """The contractor's status when it shares it; an internal status is never sent."""
    return rfp.status.value if rfp.status_shared else None


def summary_fields(row: RfpRow) -> dict[str, Any]:
    """An :class:`RfpSummary`'s fields, validated with its page (``RfpPageOut.model_validate``
    of the whole page costs half as much as a model per row)."""
    return {
        "rfp_id": row.rfp_id, "project_id": row.project_id, "project_name": row.project_name,
        "workpackage_id": row.workpackage_id, "workpackage_code": row.workpackage_code,
        "workpackage_name": row.workpackage_name, "contractor_name": row.contractor_name,
        "deadline": _ts(row.deadline),
        "status": row.status.value if row.status_shared else None,
        "response": row.response.value if row.response else None, "forwarded": row.forwarded,
        "updated_at": unix(row.updated_at), "proposal_version": row.proposal_version,
        "latest_addendum": row.latest_addendum, "outcome": row.outcome}


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def project_out(p: Project) -> SharedProjectOut:
    return SharedProjectOut(
        id=p.id, name=p.name, phase_id=p.phase_id,
        classification_systems=_split(p.classification_systems), calc_number=p.calc_number,
        work_number=p.work_number, status=p.status, address_1=p.address_1,
        address_2=p.address_2, zip=p.zip, city=p.city, country_code=p.country_code,
        client=p.client, manager=p.manager, architect=p.architect, constructor=p.constructor,
        calculator=p.calculator, inkoper=p.inkoper, werkvoorbereider=p.werkvoorbereider,
        planned_start=_ts(p.planned_start), planned_complete=_ts(p.planned_complete),
        deadline_date=_ts(p.deadline_date), questions_date=_ts(p.questions_date),
        questions_time=p.questions_time, update_date=_ts(p.update_date),
        update_time=p.update_time, tender_date=_ts(p.tender_date),
        inspection_date=_ts(p.inspection_date), reason=p.reason,
        building_sectors=_split(p.building_sectors))


def _card(c: Contact) -> ContactCard:
    return ContactCard(name=c.name, email=c.email, phone=c.phone)


def rfp_out(d: RfpDetail, now_unix: int) -> RfpOut:
    rfp = d.rfp
    deadline = _ts(effective_deadline(rfp))
    source = d.forwarded_from
    proposal = d.proposal
    return RfpOut(
        rfp_id=rfp.id, project=project_out(rfp.project),
        contractor=ContractorOut(id=d.contractor.id, name=d.contractor.name,
                                 city=d.contractor.city, phone=d.contractor.phone,
                                 website=d.contractor.website,
                                 contacts=[_card(c) for c in d.contacts]),
        workpackage=WorkpackageOut(id=rfp.workpackage.id, code=rfp.workpackage.code,
                                   name=rfp.workpackage.name,
                                   description=rfp.workpackage.description),
        deadlines=DeadlinesOut(proposal=deadline, project=_ts(rfp.project.deadline_date),
                               workpackage=_ts(rfp.workpackage.deadline),
                               passed=deadline is not None and now_unix >= deadline,
                               questions_date=_ts(rfp.project.questions_date),
                               questions_time=rfp.project.questions_time),
        status=shared_status(rfp), status_shared=rfp.status_shared,
        response=ResponseOut(response=rfp.response.value if rfp.response else None,
                             note=rfp.response_note, responded_at=_ts(rfp.responded_at),
                             responded_by=rfp.responded_by_name),
        counts=CountsOut(documents=d.document_count, budget_lines=d.budget_line_count,
                         messages=d.message_count),
        current_proposal=ProposalRef(proposal_id=proposal.id, version=proposal.version,
                                     submitted_at=unix(proposal.submitted_at),
                                     total_amount=format(proposal.total_amount, "f"),
                                     currency=proposal.currency) if proposal else None,
        forwarding=ForwardingOut(
            forwarded_to_company_id=d.forwarded_to.id if d.forwarded_to else None,
            forwarded_to_company_name=d.forwarded_to.name if d.forwarded_to else None,
            forwarded_at=_ts(rfp.forwarded_at),
            forwarded_from_company_name=d.forwarded_from_company.name
            if d.forwarded_from_company else None,
            forwarded_from_message=source.forward_message if source else None,
            forwarded_from_at=_ts(source.forwarded_at) if source else None),
        outcome=OutcomeOut(outcome=rfp.outcome, reason=rfp.outcome_reason,
                           rank=rfp.outcome_rank, decided_at=unix(rfp.outcome_at or rfp.updated_at))
        if rfp.outcome else None,
        invited_at=unix(rfp.invited_at), updated_at=unix(rfp.updated_at))


def rfp_summary_out(s: RfpSummaryCounts) -> RfpSummaryOut:
    upcoming = s.next_deadline
    return RfpSummaryOut(total=s.total, by_status=s.by_status, by_response=s.by_response,
                         next_deadline=NextDeadlineOut(rfp_id=upcoming.rfp_id,
                                                       deadline=unix(upcoming.deadline))
                         if upcoming else None)
