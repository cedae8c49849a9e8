"""The contractor's tender documents on a project or workpackage; new versions keep the old."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bidbridge.errors import InvalidParameters
from bidbridge.models import Document, Project, Workpackage
from bidbridge.services import documents, events, scoping
from bidbridge.services.context import RequestContext
from bidbridge.services.projects import bump_workpackage, touch_project, touch_rfps
from bidbridge.storage import Storage


def _document_of_project(session: Session, project: Project, document_id: int) -> Document:
    """A live document of this (already scoped) project or of one of its workpackages."""
    return scoping.load(
        session, scoping.DOCUMENT_OF_CONTRACTOR, document_id, for_company=project.company_id,
        within=or_(Document.project_id == project.id, Document.workpackage_id.in_(
            select(Workpackage.id).where(Workpackage.project_id == project.id))),
        missing=f"There is no document {{id}} in project {project.id}.")


def add_tender_document(
    session: Session, ctx: RequestContext, storage: Storage, upload: documents.Upload, *,
    project: Project, workpackage: Workpackage | None, replaces_id: int | None, max_bytes: int,
) -> Document:
    """Store a document (any file type: drawings come in many formats) and tell the RFPs."""
    replaces = None
    if replaces_id is not None:
        replaces = _document_of_project(session, project, replaces_id)
        if workpackage is not None and replaces.workpackage_id != workpackage.id:
            raise InvalidParameters(
                f"workpackageId: document {replaces_id} does not belong to workpackage "
                f"{workpackage.id}; a new version stays where the document is. Leave "
                "workpackageId out when replacing.",
                data={"errors": [{"parameter": "workpackageId", "in": "query",
                                  "problem": "invalid",
                                  "message": "differs from the replaced document's"}]})
        if replaces.workpackage_id is not None:
            workpackage = session.get(Workpackage, replaces.workpackage_id)
    doc = documents.add_document(
        session, ctx, storage, upload, owner_company_id=project.company_id, max_bytes=max_bytes,
        project_id=None if workpackage else project.id,
        workpackage_id=workpackage.id if workpackage else None, replaces=replaces)
    now = ctx.now()
    if workpackage is not None:
        bump_workpackage(session, workpackage, now)
    else:
        touch_project(project, now)
        touch_rfps(session, now, project_id=project.id)
    session.flush()
    kind = "document.added" if replaces is None else "document.replaced"
    reached = events.rfps_under(session, project_id=project.id, workpackage_id=(
        workpackage.id if workpackage is not None else None))
    for rfp in reached:
        events.emit(session, ctx, kind, company_id=rfp.company_id, subject_id=doc.id,
                    rfp_id=rfp.id)
    return doc


def document_of_workpackage(session: Session, wp: Workpackage, document_id: int) -> Document:
    """A live document of this (already scoped) workpackage; any other id is not found."""
    return scoping.load(session, scoping.DOCUMENT_OF_CONTRACTOR, document_id,
                        for_company=wp.project.company_id,
                        within=Document.workpackage_id == wp.id,
                        missing=f"There is no document {{id}} in workpackage {wp.id}.")
