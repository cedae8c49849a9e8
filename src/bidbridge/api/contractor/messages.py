"""sendMessage and getMessages: the contractor's side of an RFP's thread (contractor API)."""

from __future__ import annotations

from typing import Annotated

from pydantic import TypeAdapter
from starlette.datastructures import UploadFile

from bidbridge.api.call import Call
from bidbridge.api.contractor.outputs import document_out
from bidbridge.api.contractor.rfps import RFP_ID
from bidbridge.api.contractor.workpackages import upload_of
from bidbridge.api.declare import Api, Input, Param, function
from bidbridge.clock import unix
from bidbridge.models import Document, Message
from bidbridge.services import contractor_messages, scoping
from bidbridge.wire.contractor.messages import (
    MessageOut,
)

API: Api = "contractor"


def message_out(call: Call, message: Message, docs: list[Document]) -> MessageOut:
    return MessageOut.model_validate({
        "id": message.id, "rfp_id": message.rfp_id, "direction": message.direction.value,
        "author_company_id": message.author_company_id, "author_name": message.author_name,
        "text": message.text, "sent_at": unix(message.sent_at),
        "attachments": [document_out(call.session, d) for d in docs]})


class SendIn(Input):
    rfp_id: Annotated[int, RFP_ID]
    text: Annotated[str, Param(
        "text", "query", "The message.", pattern=r"^([\s\S]{1,10000})$",
        max_length=10000, required=True, expected="text of 1 to 10,000 characters",
        example="Let op: de bouwtekeningen zijn bijgewerkt (revisie C).")]
    attachments: Annotated[list[UploadFile] | None, Param(
        "attachments", "query", "Files to attach (multipart).", type="file",
        many=True, expected="files in a multipart/form-data body")] = None


def _send(call: Call, args: SendIn) -> MessageOut:
    rfp = scoping.load(call.session, scoping.RFP_OF_CONTRACTOR, args.rfp_id,
                       for_company=call.principal.company_id, for_update=True)
    files = args.attachments or []
    message = contractor_messages.send_to_subcontractor(
        call.session, call.ctx, call.runtime.storage, rfp, text=args.text,
        attachments=[upload_of(f) for f in files],
        max_bytes=call.runtime.settings.max_upload_bytes)
    docs = next(d for m, d in contractor_messages.thread(call.session, rfp)
                if m.id == message.id)
    return message_out(call, message, docs)


function(api=API, name="sendMessage", path="/rfps/{rfpId}/messages", tag="Messages", status=201,
         idempotent_writes=True, summary="Send a message to the invited subcontractor.",
         description="Form-encoded, or multipart/form-data with attachments (any file type).",
         input=SendIn, response=MessageOut,
         errors=["not_found", "file_too_large", "storage_unavailable"])(_send)


class ThreadIn(Input):
    rfp_id: Annotated[int, RFP_ID]


def _get_messages(call: Call, args: ThreadIn) -> list[MessageOut]:
    rfp = scoping.load(call.session, scoping.RFP_OF_CONTRACTOR, args.rfp_id,
                       for_company=call.principal.company_id)
    return [message_out(call, m, docs)
            for m, docs in contractor_messages.thread(call.session, rfp)]


function(api=API, name="getMessages", path="/rfps/{rfpId}/messages", tag="Messages",
         summary="The RFP's message thread, both directions, oldest first.", input=ThreadIn,
         response=TypeAdapter(list[MessageOut]), errors=["not_found"])(_get_messages)
