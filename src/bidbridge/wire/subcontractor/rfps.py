"""Wire schemas: subcontractor rfps."""

from __future__ import annotations

from pydantic import Field

from bidbridge.wire import ApiModel
from bidbridge.wire.projects import SharedProjectOut


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


class RfpPageOut(ApiModel):
    rfps: list[RfpSummary]
    next_cursor: str | None = Field(description="Pass as cursor for the next page; null on the "
                                                "last page.")


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


class RfpOut(ApiModel):
    rfp_id: int
    project: SharedProjectOut
    contractor: ContractorOut
    workpackage: WorkpackageOut
    deadlines: DeadlinesOut
    status: str | None = Field(description="The contractor's status when shared, else null.")
    status_shared: bool
    response: ResponseOut
    counts: CountsOut
    current_proposal: ProposalRef | None
    forwarding: ForwardingOut
    invited_at: int
    updated_at: int


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


class ResponseResult(ApiModel):
    rfp_id: int
    response: str
    note: str | None
    responded_at: int
    status: str | None = Field(description="The contractor's status when shared, else null.")
    updated_at: int


class ForwardResult(ApiModel):
    rfp_id: int
    partner_company_id: int
    partner_company_name: str
    forwarded_at: int
    response: str = Field(description="Always decline: we step out of the RFP.")
    updated_at: int
