"""Building what the subcontractor API answers about RFPs (the models are in bidbridge.wire)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bidbridge.clock import unix
from bidbridge.models import Project, Rfp
from bidbridge.services.rfp_listing import RfpRow
from bidbridge.services.rfp_summary import RfpSummary as RfpSummaryCounts
from bidbridge.services.rfps import RfpDetail
from bidbridge.services.scoping import effective_deadline
from bidbridge.wire.subcontractor.rfps import NextDeadlineOut, RfpSummaryOut


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


def project_fields(p: Project) -> dict[str, Any]:
    """A :class:`SharedProjectOut` as its JSON object: the wire names, in the model's order."""
    return {
        "id": p.id, "name": p.name, "phaseId": p.phase_id,
        "classificationSystems": _split(p.classification_systems), "calcNumber": p.calc_number,
        "workNumber": p.work_number, "status": p.status, "address_1": p.address_1,
        "address_2": p.address_2, "zip": p.zip, "city": p.city, "countryCode": p.country_code,
        "client": p.client, "manager": p.manager, "architect": p.architect,
        "constructor": p.constructor, "calculator": p.calculator, "inkoper": p.inkoper,
        "werkvoorbereider": p.werkvoorbereider, "plannedStart": _ts(p.planned_start),
        "plannedComplete": _ts(p.planned_complete), "deadlineDate": _ts(p.deadline_date),
        "questionsDate": _ts(p.questions_date), "questionsTime": p.questions_time,
        "updateDate": _ts(p.update_date), "updateTime": p.update_time,
        "tenderDate": _ts(p.tender_date), "inspectionDate": _ts(p.inspection_date),
        "reason": p.reason, "buildingSectors": _split(p.building_sectors)}


def rfp_answer(d: RfpDetail, now_unix: int) -> dict[str, Any]:
    """getRfp's answer as its JSON object (an :class:`RfpOut`: the wire names in the model's
    order, JSON values), serialised as it is: building and validating the fourteen models
    cost a tenth of a getRfp's CPU. tests/tendering/sub/test_get_rfp.py checks that it reads
    back through RfpOut byte for byte in every state of an RFP."""
    rfp, contractor, workpackage, project = d.rfp, d.contractor, d.rfp.workpackage, d.rfp.project
    deadline = _ts(effective_deadline(rfp))
    source, proposal, to, from_company = (d.forwarded_from, d.proposal, d.forwarded_to,
                                          d.forwarded_from_company)
    return {
        "rfpId": rfp.id, "project": project_fields(project),
        "contractor": {"id": contractor.id, "name": contractor.name, "city": contractor.city,
                       "phone": contractor.phone, "website": contractor.website,
                       "contacts": [{"name": c.name, "email": c.email, "phone": c.phone}
                                    for c in d.contacts]},
        "workpackage": {"id": workpackage.id, "code": workpackage.code,
                        "name": workpackage.name, "description": workpackage.description},
        "deadlines": {"proposal": deadline, "project": _ts(project.deadline_date),
                      "workpackage": _ts(workpackage.deadline),
                      "passed": deadline is not None and now_unix >= deadline,
                      "questionsDate": _ts(project.questions_date),
                      "questionsTime": project.questions_time},
        "status": shared_status(rfp), "statusShared": rfp.status_shared,
        "response": {"response": rfp.response.value if rfp.response else None,
                     "note": rfp.response_note, "respondedAt": _ts(rfp.responded_at),
                     "respondedBy": rfp.responded_by_name},
        "counts": {"documents": d.document_count, "budgetLines": d.budget_line_count,
                   "messages": d.message_count},
        "currentProposal": {"proposalId": proposal.id, "version": proposal.version,
                            "submittedAt": unix(proposal.submitted_at),
                            "totalAmount": format(proposal.total_amount, "f"),
                            "currency": proposal.currency} if proposal else None,
        "forwarding": {
            "forwardedToCompanyId": to.id if to else None,
            "forwardedToCompanyName": to.name if to else None,
            "forwardedAt": _ts(rfp.forwarded_at),
            "forwardedFromCompanyName": from_company.name if from_company else None,
            "forwardedFromMessage": source.forward_message if source else None,
            "forwardedFromAt": _ts(source.forwarded_at) if source else None},
        "outcome": {"outcome": rfp.outcome, "reason": rfp.outcome_reason,
                    "rank": rfp.outcome_rank,
                    "decidedAt": unix(rfp.outcome_at or rfp.updated_at)} if rfp.outcome else None,
        "invitedAt": unix(rfp.invited_at), "updatedAt": unix(rfp.updated_at)}


def rfp_summary_out(s: RfpSummaryCounts) -> RfpSummaryOut:
    upcoming = s.next_deadline
    return RfpSummaryOut(total=s.total, by_status=s.by_status, by_response=s.by_response,
                         next_deadline=NextDeadlineOut(rfp_id=upcoming.rfp_id,
                                                       deadline=unix(upcoming.deadline))
                         if upcoming else None)
