"""What the subcontractor API answers about RFPs: summaries for lists, the full view for one."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from bidbridge.api.declare import ApiModel
from bidbridge.clock import unix
from bidbridge.models import Contact, Project, Rfp
from bidbridge.services.rfp_listing import RfpRow
from bidbridge.services.rfp_summary import RfpSummary as RfpSummaryCounts
from bidbridge.services.rfps import RfpDetail
from bidbridge.services.scoping import effective_deadline


def _ts(moment: datetime | None) -> int | None:
    return unix(moment) if moment is not None else None


def shared_status(rfp: Rfp) -> str | None:
    """The contractor's status when it shares it; an internal status is never sent."""
    return rfp.status.value if rfp.status_shared else None


class RfpSummary(ApiModel):
    rfp_id: int
    project_id: int
    project_name: str
    workpackage_id: int
    workpackage_code: str | None
    workpackage_name: str
    contractor_name: str
    deadline: int | None = Field(description="Effective proposal deadline, unix seconds: the "
                                             "workpackage's own, else the project's.")
    status: str | None = Field(description="The contractor's status when it shares it, else "
                                           "null.")
    response: str | None = Field(description="Our response: calculate, pending, decline or "
                                             "null.")
    forwarded: bool
    updated_at: int = Field(description="Unix seconds; moves whenever anything under the RFP "
                                        "changes.")
    proposal_version: int | None = Field(description="The current proposal's version, or null.")
    latest_addendum: int = Field(description="The number of the workpackage's latest addendum "
                                             "(getAddenda); 0: none.")
    outcome: str | None = Field(description="The award outcome: awarded, not_awarded or "
                                            "cancelled; null while undecided.")


def summary(row: RfpRow) -> RfpSummary:
    rfp = row.rfp
    return RfpSummary(
        rfp_id=rfp.id, project_id=rfp.project_id, project_name=row.project_name,
        workpackage_id=rfp.workpackage_id, workpackage_code=row.workpackage_code,
        workpackage_name=row.workpackage_name, contractor_name=row.contractor_name,
        deadline=_ts(row.deadline), status=shared_status(rfp),
        response=rfp.response.value if rfp.response else None,
        forwarded=rfp.forwarded_to_company_id is not None, updated_at=unix(rfp.updated_at),
        proposal_version=row.proposal_version, latest_addendum=row.latest_addendum,
        outcome=rfp.outcome)


class RfpPageOut(ApiModel):
    rfps: list[RfpSummary]
    next_cursor: str | None = Field(description="Pass as cursor for the next page; null on the "
                                                "last page.")


class ProjectOut(ApiModel):
    """The project fields a contractor shares with the subcontractors it invites."""

    id: int
    name: str
    phase_id: int | None
    classification_systems: list[str]
    calc_number: str | None
    work_number: str | None
    status: str
    address_1: str | None = Field(serialization_alias="address_1")
    address_2: str | None = Field(serialization_alias="address_2")
    zip: str | None
    city: str | None
    country_code: str | None
    client: str | None
    manager: str | None
    architect: str | None
    constructor: str | None
    calculator: str | None
    inkoper: str | None = Field(description="The buyer.")
    werkvoorbereider: str | None = Field(description="The work planner.")
    planned_start: int | None
    planned_complete: int | None
    deadline_date: int | None
    questions_date: int | None
    questions_time: int | None = Field(description="Hour of the questions deadline, 1–23.")
    update_date: int | None
    update_time: int | None
    tender_date: int | None
    inspection_date: int | None
    reason: str | None
    building_sectors: list[str]


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def project_out(p: Project) -> ProjectOut:
    return ProjectOut(
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


class ContactCard(ApiModel):
    name: str
    email: str
    phone: str | None


class ContractorOut(ApiModel):
    id: int
    name: str
    city: str | None
    phone: str | None
    website: str | None
    contacts: list[ContactCard] = Field(description="The contractor's visible contacts.")


class WorkpackageOut(ApiModel):
    id: int
    code: str | None
    name: str
    description: str | None


class DeadlinesOut(ApiModel):
    proposal: int | None = Field(description="The effective proposal deadline (unix seconds).")
    project: int | None
    workpackage: int | None = Field(description="The workpackage's own deadline, when it has one.")
    passed: bool
    questions_date: int | None
    questions_time: int | None


class ResponseOut(ApiModel):
    response: str | None
    note: str | None
    responded_at: int | None
    responded_by: str | None


class CountsOut(ApiModel):
    documents: int
    budget_lines: int
    messages: int


class ProposalRef(ApiModel):
    proposal_id: int
    version: int
    submitted_at: int
    total_amount: str = Field(description="Decimal string with 2 decimals.")
    currency: str


class ForwardingOut(ApiModel):
    forwarded_to_company_id: int | None
    forwarded_to_company_name: str | None
    forwarded_at: int | None
    forwarded_from_company_name: str | None = Field(
        description="When a partner forwarded this RFP to us: that company.")
    forwarded_from_message: str | None
    forwarded_from_at: int | None


class OutcomeOut(ApiModel):
    outcome: str = Field(description="awarded, not_awarded or cancelled.")
    reason: str | None = Field(description="The contractor's reason (not awarded, cancelled); "
                                           "only your company sees it.")
    rank: int | None = Field(description="Your bid's rank, when the contractor gives it "
                                         "(not awarded).")
    decided_at: int


class RfpOut(ApiModel):
    rfp_id: int
    project: ProjectOut
    contractor: ContractorOut
    workpackage: WorkpackageOut
    deadlines: DeadlinesOut
    status: str | None = Field(description="The contractor's status when shared, else null.")
    status_shared: bool
    response: ResponseOut
    counts: CountsOut
    current_proposal: ProposalRef | None
    forwarding: ForwardingOut
    outcome: OutcomeOut | None = Field(description="The structured award outcome; null while "
                                                   "undecided.")
    invited_at: int
    updated_at: int


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


class NextDeadlineOut(ApiModel):
    rfp_id: int
    deadline: int = Field(description="The RFP's effective proposal deadline, unix seconds.")


class RfpSummaryOut(ApiModel):
    total: int = Field(description="Every RFP of your company, forwarded ones included.")
    by_status: dict[str, int] = Field(description="RFPs per contractor status, every status "
                                                  "listed; not_shared counts those whose status "
                                                  "the contractor keeps internal.")
    by_response: dict[str, int] = Field(description="RFPs per response of ours: calculate, "
                                                    "pending, decline, none.")
    next_deadline: NextDeadlineOut | None = Field(
        description="The open RFP (not forwarded) whose deadline comes next; null when none is "
                    "ahead.")


def rfp_summary_out(s: RfpSummaryCounts) -> RfpSummaryOut:
    upcoming = s.next_deadline
    return RfpSummaryOut(total=s.total, by_status=s.by_status, by_response=s.by_response,
                         next_deadline=NextDeadlineOut(rfp_id=upcoming.rfp_id,
                                                       deadline=unix(upcoming.deadline))
                         if upcoming else None)
