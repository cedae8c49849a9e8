"""getMessages and sendMessage: the thread between the contractor and us on one RFP."""

from __future__ import annotations

from typing import Annotated

from starlette.datastructures import UploadFile

from bidbridge.api.call import Call
from bidbridge.api.declare import Input, Param, function
from bidbridge.api.subcontractor.common import RFP_ID, TEXT_PATTERN, document_path
from bidbridge.clock import unix
from bidbridge.models import DocumentVersion
from bidbridge.services import messages
from bidbridge.services.documents import Upload
from bidbridge.wire.subcontractor.messages import (
    AttachmentOut,
    MessageOut,
    ThreadOut,
)


def _attachment(v: DocumentVersion) -> AttachmentOut:
    return AttachmentOut(document_id=v.document_id, name=v.name, size=v.size, sha256=v.sha256,
                         content_type=v.content_type, download_path=document_path(v.document_id))


def message_out(m: messages.ThreadMessage) -> MessageOut:
    msg = m.message
    return MessageOut(message_id=msg.id, direction=msg.direction.value,
                      author_name=msg.author_name, author_company_name=m.author_company_name,
                      text=msg.text, sent_at=unix(msg.sent_at),
                      attachments=[_attachment(v) for v in m.attachments])


class ThreadIn(Input):
    rfp_id: Annotated[int, RFP_ID]


@function(
    api="subcontractor", name="getMessages", path="/rfps/{rfpId}/messages", tag="Messages",
    summary="The RFP's message thread in both directions, with attachments.",
    input=ThreadIn, response=ThreadOut, errors=["not_found"],
)
def get_messages(call: Call, args: ThreadIn) -> ThreadOut:
    rfp_id = args.rfp_id
    thread = messages.get_thread(call.session, call.principal.company_id, rfp_id)
    return ThreadOut(rfp_id=rfp_id, messages=[message_out(m) for m in thread])


class SendMessageIn(Input):
    rfp_id: Annotated[int, RFP_ID]
    text: Annotated[str, Param(
        "text", "query", "The message, up to 10,000 characters.", pattern=TEXT_PATTERN,
        required=True, max_length=10000, expected="text of at most 10000 characters",
        example="Is the facade brick supplied by you?")]
    attachments: Annotated[list[UploadFile] | None, Param(
        "attachments", "query", "Files to attach (repeat the field for several).",
        type="file", many=True, expected="PDF, XLSX, DOCX or image files")] = None


@function(
    api="subcontractor", name="sendMessage", path="/rfps/{rfpId}/messages", tag="Messages",
    summary="Write to the contractor on this RFP, optionally with attachments.",
    description=(
        "Send multipart/form-data when attaching files (PDF, XLSX, DOCX or images, each up to "
        "the upload limit, 50 MB by default). Allowed after the deadline (questions about a "
        "price come late), refused after the RFP was forwarded."),
    input=SendMessageIn,
    response=MessageOut, status=201,
    errors=["not_found", "rfp_forwarded", "file_too_large", "storage_unavailable"],
    idempotent_writes=True,
)
def send_message(call: Call, args: SendMessageIn) -> MessageOut:
    files = args.attachments or []
    uploads = [Upload(f.filename or "attachment", f.content_type or "", f.file) for f in files]
    sent = messages.send_message(call.session, call.ctx, call.runtime.storage,
                                 call.principal.company_id, args.rfp_id, args.text, uploads,
                                 max_bytes=call.runtime.settings.max_upload_bytes)
    return message_out(sent)
