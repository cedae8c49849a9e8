"""The one choke point for loading tendering objects by id on behalf of a company.

Another company's object is "not found", never "forbidden": its existence is not revealed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidbridge.errors import NotFound
from bidbridge.models import Document, Project, Proposal, Rfp, Workpackage

# Ids are 32-bit integer columns; the API's id pattern admits 18 digits. A larger id cannot
# exist, and PostgreSQL would refuse to compare it ("integer out of range"), so it is simply
# not found.
MAX_ID = 2**31 - 1


def _no_such(resource: str, object_id: int, message: str) -> NotFound:
    return NotFound(message, code="not_found", data={"resource": resource, "id": object_id})


def rfp_for_subcontractor(session: Session, company_id: int, rfp_id: int, *,
                          for_update: bool = False) -> Rfp:
    if rfp_id > MAX_ID:
        raise _no_such("rfp", rfp_id, f"There is no RFP {rfp_id} for your company. List yours "
                       "with getRfps.")
    query = select(Rfp).where(Rfp.id == rfp_id, Rfp.company_id == company_id)
    if for_update:
        query = query.with_for_update()
    rfp = session.scalar(query)
    if rfp is None:
        raise NotFound(f"There is no RFP {rfp_id} for your company. List yours with getRfps.",
                       code="not_found", data={"resource": "rfp", "id": rfp_id})
    return rfp


def rfp_for_contractor(session: Session, company_id: int, rfp_id: int, *,
                       for_update: bool = False) -> Rfp:
    if rfp_id > MAX_ID:
        raise _no_such("rfp", rfp_id, f"There is no RFP {rfp_id} in your projects.")
    query = select(Rfp).where(Rfp.id == rfp_id, Rfp.contractor_company_id == company_id)
    if for_update:
        query = query.with_for_update()
    rfp = session.scalar(query)
    if rfp is None:
        raise NotFound(f"There is no RFP {rfp_id} in your projects.", code="not_found",
                       data={"resource": "rfp", "id": rfp_id})
    return rfp


def project_for_contractor(session: Session, company_id: int, project_id: int) -> Project:
    if project_id > MAX_ID:
        raise _no_such("project", project_id, f"There is no project {project_id} in your "
                       "company.")
    project = session.scalar(
        select(Project).where(Project.id == project_id, Project.company_id == company_id))
    if project is None:
        raise NotFound(f"There is no project {project_id} in your company.", code="not_found",
                       data={"resource": "project", "id": project_id})
    return project


def workpackage_for_contractor(session: Session, company_id: int, workpackage_id: int
                               ) -> Workpackage:
    if workpackage_id > MAX_ID:
        raise _no_such("workpackage", workpackage_id, f"There is no workpackage "
                       f"{workpackage_id} in your projects.")
    wp = session.scalar(
        select(Workpackage).join(Project, Project.id == Workpackage.project_id)
        .where(Workpackage.id == workpackage_id, Project.company_id == company_id))
    if wp is None:
        raise NotFound(f"There is no workpackage {workpackage_id} in your projects.",
                       code="not_found", data={"resource": "workpackage", "id": workpackage_id})
    return wp


def proposal_for_subcontractor(session: Session, company_id: int, proposal_id: int, *,
                               for_update: bool = False) -> Proposal:
    if proposal_id > MAX_ID:
        raise _no_such("proposal", proposal_id, f"There is no proposal {proposal_id} of your "
                       "company.")
    query = (select(Proposal).join(Rfp, Rfp.id == Proposal.rfp_id)
             .where(Proposal.id == proposal_id, Rfp.company_id == company_id))
    if for_update:
        query = query.with_for_update(of=Proposal)
    proposal = session.scalar(query)
    if proposal is None:
        raise NotFound(f"There is no proposal {proposal_id} of your company.", code="not_found",
                       data={"resource": "proposal", "id": proposal_id})
    return proposal


def effective_deadline(rfp: Rfp) -> datetime | None:
    """The workpackage's own deadline when it has one, else the project's."""
    return rfp.workpackage.deadline or rfp.project.deadline_date


def touch_rfp(rfp: Rfp, now: datetime) -> None:
    """Something an integrator syncs changed under this RFP: move its updatedAt."""
    rfp.updated_at = max(now, rfp.updated_at)


def document_visible_to_subcontractor(session: Session, company_id: int, document_id: int
                                      ) -> Document:
    """A tender document of a project/workpackage the company has an RFP for, or an attachment
    the company owns or that was sent to it in one of its RFP threads."""
    from bidbridge.models import Message

    doc = session.get(Document, document_id) if document_id <= MAX_ID else None
    visible = False
    if doc is not None and doc.deleted_at is None:
        if doc.company_id == company_id:
            visible = True
        elif doc.workpackage_id is not None:
            visible = session.scalar(select(Rfp.id).where(
                Rfp.workpackage_id == doc.workpackage_id, Rfp.company_id == company_id).limit(1)
            ) is not None
        elif doc.project_id is not None:
            visible = session.scalar(select(Rfp.id).where(
                Rfp.project_id == doc.project_id, Rfp.company_id == company_id).limit(1)
            ) is not None
        elif doc.message_id is not None:
            visible = session.scalar(
                select(Message.id).join(Rfp, Rfp.id == Message.rfp_id)
                .where(Message.id == doc.message_id, Rfp.company_id == company_id)
            ) is not None
    if doc is None or not visible:
        raise NotFound(f"There is no document {document_id} for your company. List an RFP's "
                       "documents with getDocuments.", code="not_found",
                       data={"resource": "document", "id": document_id})
    return doc
