"""Wire schemas: contractor outputs."""

from __future__ import annotations

from pydantic import Field

from bidbridge.wire import ApiModel


class WorkpackageOut(ApiModel):
    id: int
    project_id: int
    code: str | None
    name: str
    description: str | None
    deadline: int | None = Field(description="Own deadline (unix seconds); null: the project's.")
    budget_line_count: int
    document_count: int
    rfp_count: int
    created_at: int
    updated_at: int


class DocumentOut(ApiModel):
    id: int
    name: str
    version: int = Field(description="The current version; older versions are kept.")
    content_type: str
    size: int
    sha256: str
    project_id: int | None
    workpackage_id: int | None
    uploaded_at: int
    updated_at: int


class CompanyRef(ApiModel):
    id: int
    name: str


class ProposalSummary(ApiModel):
    id: int
    version: int
    state: str = Field(description="submitted or withdrawn")
    total_amount: str = Field(description="EUR, 2 decimals.")
    submitted_at: int


class RfpOut(ApiModel):
    id: int
    project_id: int
    workpackage_id: int
    company: CompanyRef = Field(description="The invited subcontractor.")
    invited_contact_id: int | None
    status: str = Field(description="Your status of this subcontractor (one of nine).")
    status_shared: bool = Field(description="Whether the subcontractor sees the status.")
    response: str | None = Field(description="calculate, pending, decline or null.")
    response_note: str | None
    responded_at: int | None
    forwarded_to_company_id: int | None
    forwarded_from_rfp_id: int | None
    invited_at: int
    updated_at: int = Field(description="Moves when anything under the RFP changes.")
    latest_proposal: ProposalSummary | None = Field(
        description="The subcontractor's newest proposal version; getProposals compares them.")
