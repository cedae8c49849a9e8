"""The contractor's side of an RFP's message thread: sending (any attachment type) and reading."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidbridge.errors import NotFound
from bidbridge.models import Document, Message, MessageDirection, Rfp
from bidbridge.services import documents, events
from bidbridge.services.audit import record_event
from bidbridge.services.context import RequestContext
from bidbridge.services.scoping import touch_rfp
from bidbridge.storage import Storage


def send_to_subcontractor(session: Session, ctx: RequestContext, storage: Storage, rfp: Rfp, *,
                          text: str, attachments: list[documents.Upload], max_bytes: int
                          ) -> Message:
    now = ctx.now()
    message = Message(rfp_id=rfp.id, direction=MessageDirection.TO_SUBCONTRACTOR,
                      author_company_id=rfp.contractor_company_id, author_contact_id=ctx.actor.id,
                      author_name=ctx.actor.name, text=text, sent_at=now)
    session.add(message)
    session.flush()
    for upload in attachments:
        documents.add_document(session, ctx, storage, upload,
                               owner_company_id=rfp.contractor_company_id, max_bytes=max_bytes,
                               parameter="attachments", message_id=message.id)
    touch_rfp(rfp, now)
    record_event(session, ctx, "message.sent", company_id=rfp.contractor_company_id,
                 target_type="message", target_id=message.id, target_label=f"RFP {rfp.id}",
                 data={"rfpId": rfp.id, "attachments": len(attachments)})
    events.emit(session, ctx, "message.received", company_id=rfp.company_id,
                subject_id=message.id, rfp_id=rfp.id)
    session.flush()
    return message


def thread(session: Session, rfp: Rfp) -> list[tuple[Message, list[Document]]]:
    """The RFP's messages, oldest first, each with its (current) attachments."""
    messages = list(session.scalars(select(Message).where(Message.rfp_id == rfp.id)
                                    .order_by(Message.id)))
    attached: dict[int, list[Document]] = defaultdict(list)
    if messages:
        for doc in session.scalars(select(Document).where(
                Document.message_id.in_([m.id for m in messages]),
                Document.deleted_at.is_(None)).order_by(Document.id)):
            assert doc.message_id is not None
            attached[doc.message_id].append(doc)
    return [(m, attached.get(m.id, [])) for m in messages]


def attachment_of(session: Session, rfp: Rfp, document_id: int) -> Document:
    """An attachment of a message in this (already scoped) RFP's thread, either direction."""
    doc = session.get(Document, document_id)
    message = (session.get(Message, doc.message_id)
               if doc is not None and doc.message_id is not None else None)
    if doc is None or doc.deleted_at is not None or message is None or message.rfp_id != rfp.id:
        raise NotFound(f"There is no attachment {document_id} in the thread of RFP {rfp.id}.",
                       code="not_found", data={"resource": "document", "id": document_id})
    return doc
