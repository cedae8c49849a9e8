"""The message thread of an RFP, as the subcontractor reads and writes it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from bidbridge.models import Company, Document, DocumentVersion, Message, MessageDirection
from bidbridge.services import documents
from bidbridge.services.audit import record_event
from bidbridge.services.context import RequestContext
from bidbridge.services.scoping import RFP_OF_SUBCONTRACTOR, load, touch_rfp
from bidbridge.services.tender_rules import ensure_not_forwarded
from bidbridge.storage import Storage

ATTACHMENTS = "attachments"


@dataclass(frozen=True)
class ThreadMessage:
    message: Message
    author_company_name: str
    attachments: list[DocumentVersion]  # the current version of each attached document


def get_thread(session: Session, company_id: int, rfp_id: int) -> list[ThreadMessage]:
    """Every message of the RFP, oldest first, with its attachments."""
    rfp = load(session, RFP_OF_SUBCONTRACTOR, rfp_id, for_company=company_id)
    rows = session.execute(
        select(Message, Company.name).join(Company, Company.id == Message.author_company_id)
        .where(Message.rfp_id == rfp.id).order_by(Message.id)).all()
    attached = _attachments(session, [m.id for m, _ in rows])
    return [ThreadMessage(m, name, attached.get(m.id, [])) for m, name in rows]


def _attachments(session: Session, message_ids: list[int]) -> dict[int, list[DocumentVersion]]:
    if not message_ids:
        return {}
    found: dict[int, list[DocumentVersion]] = defaultdict(list)
    rows = session.execute(
        select(Document.message_id, DocumentVersion)
        .join(DocumentVersion, and_(DocumentVersion.document_id == Document.id,
                                    DocumentVersion.version == Document.current_version))
        .where(Document.message_id.in_(message_ids), Document.deleted_at.is_(None))
        .order_by(Document.id))
    for message_id, version in rows:
        if message_id is not None:
            found[message_id].append(version)
    return found


def send_message(session: Session, ctx: RequestContext, storage: Storage, company_id: int,
                 rfp_id: int, text: str, uploads: list[documents.Upload], *, max_bytes: int
                 ) -> ThreadMessage:
    """Add a message to the contractor. Allowed after the deadline (questions about a price come
    late), not after the RFP was forwarded."""
    rfp = load(session, RFP_OF_SUBCONTRACTOR, rfp_id, for_company=company_id, for_update=True)
    ensure_not_forwarded(rfp, "sending messages")
    # Judge every file before storing any, so a refused call stores nothing.
    media = [documents.attachment_type(upload, ATTACHMENTS) for upload in uploads]
    now = ctx.now()
    message = Message(rfp_id=rfp.id, direction=MessageDirection.TO_CONTRACTOR,
                      author_company_id=company_id, author_contact_id=ctx.actor.id,
                      author_name=ctx.actor.name, text=text, sent_at=now)
    session.add(message)
    session.flush()
    versions = []
    for upload, media_type in zip(uploads, media, strict=True):
        doc = documents.add_document(session, ctx, storage, upload, owner_company_id=company_id,
                                     max_bytes=max_bytes, parameter=ATTACHMENTS,
                                     content_type=media_type, message_id=message.id)
        versions.append(documents.current_version(session, doc))
    touch_rfp(rfp, now)
    record_event(session, ctx, "message.sent", company_id=company_id, target_type="message",
                 target_id=message.id, target_label=f"RFP {rfp.id}",
                 data={"rfpId": rfp.id, "direction": message.direction.value,
                       "attachments": [v.document_id for v in versions],
                       "length": len(text)})
    session.flush()
    return ThreadMessage(message, rfp.company.name, versions)
