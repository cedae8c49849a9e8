"""An RFP's tender documents as a sync manifest, and finding the bytes a subcontractor may fetch."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidbridge.errors import NotFound
from bidbridge.models import Document, DocumentVersion, Rfp
from bidbridge.services.rfps import tender_documents_of
from bidbridge.services.scoping import (
    DOCUMENT_FOR_SUBCONTRACTOR,
    RFP_OF_SUBCONTRACTOR,
    load,
)


@dataclass(frozen=True)
class ManifestEntry:
    document: Document
    versions: list[DocumentVersion]  # oldest first; the last is the current one

    @property
    def current(self) -> DocumentVersion:
        return self.versions[-1]


def tender_documents(session: Session, company_id: int, rfp_id: int) -> list[ManifestEntry]:
    """The project's and the workpackage's documents, deleted ones included as tombstones so an
    incremental sync sees them go."""
    rfp = load(session, RFP_OF_SUBCONTRACTOR, rfp_id, for_company=company_id)
    docs = list(session.scalars(select(Document).where(tender_documents_of(rfp))
                                .order_by(Document.id)))
    by_doc: dict[int, list[DocumentVersion]] = defaultdict(list)
    if docs:
        for version in session.scalars(
                select(DocumentVersion)
                .where(DocumentVersion.document_id.in_([d.id for d in docs]))
                .order_by(DocumentVersion.document_id, DocumentVersion.version)):
            by_doc[version.document_id].append(version)
    # A document row without any version cannot be fetched; it is not listed.
    return [ManifestEntry(d, by_doc[d.id]) for d in docs if by_doc[d.id]]


def version_to_download(session: Session, company_id: int, document_id: int,
                        version: int | None = None) -> DocumentVersion:
    """The current version, or the given one (superseded versions are kept), of a document the
    company may see."""
    doc = load(session, DOCUMENT_FOR_SUBCONTRACTOR, document_id, for_company=company_id)
    wanted = version if version is not None else doc.current_version
    row = session.scalar(
        select(DocumentVersion).where(DocumentVersion.document_id == doc.id,
                                      DocumentVersion.version == wanted))
    if row is None:
        raise NotFound(f"Document {doc.id} has no version {wanted}; its versions are 1 to "
                       f"{doc.current_version}.", code="not_found",
                       data={"resource": "document_version", "id": doc.id, "version": wanted,
                             "currentVersion": doc.current_version})
    return row


def version_of_rfp_document(session: Session, rfp: Rfp, document_id: int,
                            version: int | None = None) -> DocumentVersion:
    """A document that belongs to this RFP — a tender document of its project or workpackage, an
    attachment of one of its messages or proposals — in its current or a given version. Anything
    else is not found, as another company's document is."""
    from sqlalchemy import or_

    from bidbridge.models import Message, Proposal

    doc = session.scalar(
        select(Document).where(Document.id == document_id, Document.deleted_at.is_(None), or_(
            tender_documents_of(rfp),
            Document.message_id.in_(select(Message.id).where(Message.rfp_id == rfp.id)),
            Document.proposal_id.in_(select(Proposal.id).where(Proposal.rfp_id == rfp.id)))))
    if doc is None:
        raise NotFound(f"There is no document {document_id} on RFP {rfp.id}.", code="not_found",
                       data={"resource": "document", "id": document_id})
    return version_to_download(session, rfp.company_id, doc.id, version)
