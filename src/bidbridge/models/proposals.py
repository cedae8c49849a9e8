"""Proposals (immutable versions), message threads and documents with their versions."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bidbridge.db import ExactDecimal
from bidbridge.models.accounts import _enum
from bidbridge.models.base import Base


class ProposalState(enum.StrEnum):
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"


class Proposal(Base):
    """One submitted version; never changed afterwards except to mark it withdrawn or superseded."""

    __tablename__ = "proposals"
    __table_args__ = (
        UniqueConstraint("rfp_id", "version", name="uq_proposals_rfp_version"),
        # One proposal per Idempotency-Key and RFP, however many retries race (migration 0003).
        UniqueConstraint("rfp_id", "idempotency_key", name="uq_proposals_rfp_idempotency_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rfp_id: Mapped[int] = mapped_column(ForeignKey("rfps.id"), index=True)
    version: Mapped[int] = mapped_column()
    state: Mapped[ProposalState] = mapped_column(_enum(ProposalState, "proposal_state"),
                                                 default=ProposalState.SUBMITTED)
    submitted_at: Mapped[datetime] = mapped_column()
    submitted_by_id: Mapped[int | None] = mapped_column()
    submitted_by_name: Mapped[str] = mapped_column(String(200))
    message: Mapped[str | None] = mapped_column(Text)
    total_amount: Mapped[Decimal] = mapped_column(ExactDecimal(18, 2))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # snapshot
    content_sha256: Mapped[str] = mapped_column(String(64))
    superseded_at: Mapped[datetime | None] = mapped_column()
    withdrawn_at: Mapped[datetime | None] = mapped_column()
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column()
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    request_sha256: Mapped[str | None] = mapped_column(String(64))  # of the keyed request
    # The number of the latest addendum published when this version was submitted (0: none).
    # A current version below the workpackage's latest addendum needs reconfirmation.
    addendum_number: Mapped[int] = mapped_column(default=0, server_default=text("0"))


class MessageDirection(enum.StrEnum):
    TO_CONTRACTOR = "to_contractor"
    TO_SUBCONTRACTOR = "to_subcontractor"


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_rfp_id_id", "rfp_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rfp_id: Mapped[int] = mapped_column(ForeignKey("rfps.id"))
    direction: Mapped[MessageDirection] = mapped_column(_enum(MessageDirection,
                                                              "message_direction"))
    author_company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    author_contact_id: Mapped[int | None] = mapped_column()
    author_name: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column()


class Document(Base):
    """A logical document; its bytes are in DocumentVersion rows, the newest being current.

    Exactly one owner scope is set: a project or workpackage (the contractor's tender documents),
    a proposal or a message (attachments). Deleted documents stay as tombstones.
    """

    __tablename__ = "documents"
    # getRfp counts an RFP's live tender documents on every call — its workpackage's, and its
    # project's that belong to no workpackage: both from an index alone.
    __table_args__ = (
        Index("ix_documents_workpackage_id_deleted_at", "workpackage_id", "deleted_at"),
        Index("ix_documents_project_id_workpackage_id_deleted_at", "project_id",
              "workpackage_id", "deleted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)  # owner
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"))
    workpackage_id: Mapped[int | None] = mapped_column(ForeignKey("workpackages.id"))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    current_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    deleted_at: Mapped[datetime | None] = mapped_column()

    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document", order_by="DocumentVersion.version")


class DocumentVersion(Base):
    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "version",
                                       name="uq_document_versions_document_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    version: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255))
    uploaded_at: Mapped[datetime] = mapped_column()
    uploaded_by_name: Mapped[str] = mapped_column(String(200))

    document: Mapped[Document] = relationship(back_populates="versions")
