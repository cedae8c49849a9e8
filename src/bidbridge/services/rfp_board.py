"""The contractor's status board of a workpackage: who was invited, who opened the RFP, who is
calculating, who declined, and who submitted which version when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidbridge.models import Company, Proposal, ProposalState, Rfp, RfpResponse, Workpackage
from bidbridge.services.audit import record_event
from bidbridge.services.comparison import latest_proposals
from bidbridge.services.context import RequestContext

# Stages in the order an RFP goes through them, with the words the board shows.
STAGES: dict[str, str] = {
    "invited": "Invited", "opened": "Opened", "pending": "Pending",
    "calculating": "Calculating", "declined": "Declined", "forwarded": "Forwarded to a partner",
    "withdrawn": "Proposal withdrawn", "submitted": "Submitted",
}


@dataclass(frozen=True)
class BoardRow:
    rfp: Rfp
    company: Company
    stage: str  # a key of STAGES
    proposal: Proposal | None  # the newest version, whatever its state

    @property
    def stage_label(self) -> str:
        return STAGES[self.stage]


def stage_of(rfp: Rfp, latest: Proposal | None) -> str:
    if latest is not None and latest.state == ProposalState.SUBMITTED:
        return "submitted"
    if rfp.forwarded_to_company_id is not None:
        return "forwarded"
    if latest is not None:
        return "withdrawn"
    if rfp.response is RfpResponse.DECLINE:
        return "declined"
    if rfp.response is RfpResponse.CALCULATE:
        return "calculating"
    if rfp.response is RfpResponse.PENDING:
        return "pending"
    return "opened" if rfp.opened_at is not None else "invited"


def status_board(session: Session, wp: Workpackage) -> list[BoardRow]:
    """Every RFP of the (already scoped) workpackage, in the order of invitation."""
    rfps = list(session.scalars(select(Rfp).where(Rfp.workpackage_id == wp.id).order_by(Rfp.id)))
    latest = latest_proposals(session, [r.id for r in rfps])
    return [BoardRow(r, r.company, stage_of(r, latest.get(r.id)), latest.get(r.id)) for r in rfps]


def mark_opened(session: Session, ctx: RequestContext, rfp: Rfp) -> datetime | None:
    """The subcontractor read its RFP: note the first time only (not part of the RFP's sync)."""
    if rfp.opened_at is not None:
        return None
    rfp.opened_at = ctx.now()
    record_event(session, ctx, "rfp.opened", company_id=rfp.contractor_company_id,
                 target_type="rfp", target_id=rfp.id,
                 target_label=f"{rfp.workpackage.name} — {rfp.company.name}",
                 data={"subcontractorCompanyId": rfp.company_id})
    session.flush()
    return rfp.opened_at
