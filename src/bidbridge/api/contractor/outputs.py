"""Response models the contractor functions share: workpackages, documents, RFPs, messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bidbridge.api.declare import Param, id_parameter
from bidbridge.clock import unix
from bidbridge.models import Document, Proposal, Rfp, Workpackage
from bidbridge.services.comparison import latest_proposals
from bidbridge.services.documents import current_version
from bidbridge.services.projects import WorkpackageCounts
from bidbridge.services.sealing import is_readable
from bidbridge.wire.contractor.outputs import (  # noqa: F401  (re-exported)
    CompanyRef,
    DocumentOut,
    ProposalSummary,
    RfpOut,
    WorkpackageOut,
)


def id_param(name: str, what: str, where: str, example: int = 1) -> Param:
    return id_parameter(name, "template", f"The {what}'s id.", required=True,
                        expected=f"a {what} id from {where}", example=example)


def opt_unix(moment: datetime | None) -> int | None:
    return unix(moment) if moment is not None else None


def workpackage_out(wp: Workpackage, counts: WorkpackageCounts) -> dict[str, Any]:
    return {"id": wp.id, "project_id": wp.project_id, "code": wp.code, "name": wp.name,
            "description": wp.description, "deadline": opt_unix(wp.deadline),
            "budget_line_count": counts.budget_lines, "document_count": counts.documents,
            "rfp_count": counts.rfps, "created_at": unix(wp.created_at),
            "updated_at": unix(wp.updated_at)}


def document_out(session: Session, doc: Document) -> dict[str, Any]:
    version = current_version(session, doc)
    return {"id": doc.id, "name": doc.name, "version": doc.current_version,
            "content_type": version.content_type, "size": version.size,
            "sha256": version.sha256, "project_id": doc.project_id,
            "workpackage_id": doc.workpackage_id, "uploaded_at": unix(version.uploaded_at),
            "updated_at": unix(doc.updated_at)}


def rfps_out(session: Session, rfps: list[Rfp]) -> list[RfpOut]:
    """RFPs with their newest proposal version, in one extra query; amounts of sealed
    workpackages stay hidden until their opening."""
    latest = latest_proposals(session, [r.id for r in rfps])
    readable: dict[int, bool] = {}
    for r in rfps:
        if r.workpackage_id not in readable:
            readable[r.workpackage_id] = is_readable(session, r.workpackage)
    return [RfpOut.model_validate(rfp_out(r, latest.get(r.id),
                                          sealed=not readable[r.workpackage_id]))
            for r in rfps]


def rfp_out(rfp: Rfp, latest: Proposal | None = None, *, sealed: bool = False
            ) -> dict[str, Any]:
    return {"id": rfp.id, "project_id": rfp.project_id, "workpackage_id": rfp.workpackage_id,
            "company": {"id": rfp.company.id, "name": rfp.company.name},
            "invited_contact_id": rfp.invited_contact_id, "status": rfp.status.value,
            "status_shared": rfp.status_shared,
            "response": rfp.response.value if rfp.response else None,
            "response_note": rfp.response_note, "responded_at": opt_unix(rfp.responded_at),
            "forwarded_to_company_id": rfp.forwarded_to_company_id,
            "forwarded_from_rfp_id": rfp.forwarded_from_rfp_id,
            "invited_at": unix(rfp.invited_at), "updated_at": unix(rfp.updated_at),
            "latest_proposal": None if latest is None else {
                "id": latest.id, "version": latest.version, "state": latest.state.value,
                "total_amount": None if sealed else format(latest.total_amount, "f"),
                "submitted_at": unix(latest.submitted_at)}}
