"""An RFP's files in the browser: one document (any kept version), all documents as a zip, and
writing a message with attachments."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO
from urllib.parse import quote

from fastapi import APIRouter, Depends
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from bidbridge.errors import AppError
from bidbridge.models import DocumentVersion
from bidbridge.services import messages
from bidbridge.services.document_bundle import bundle_tender_documents
from bidbridge.services.documents import Upload
from bidbridge.services.rfp_access import rfp_for_person
from bidbridge.services.rfp_documents import version_of_rfp_document
from bidbridge.storage import Storage
from bidbridge.web.bidder import BidderDep, field_problem, optional_id
from bidbridge.web.csrf import checked_upload_form, text
from bidbridge.web.rfp_page import rfp_page
from bidbridge.web.templating import secure_headers

router = APIRouter()

MESSAGE_LIMIT = 10000


def disposition(filename: str) -> str:
    """Content-Disposition for a download: an ASCII fallback and the exact UTF-8 name."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def file_response(storage: Storage, version: DocumentVersion) -> Response:
    def chunks() -> Iterator[bytes]:
        if version.size:
            yield from storage.iter_range(version.storage_key, 0, version.size - 1)

    response = StreamingResponse(chunks(), media_type=version.content_type, headers={
        "Content-Disposition": disposition(version.name), "Content-Length": str(version.size),
        "ETag": f'"{version.sha256}"', "X-Content-SHA256": version.sha256})
    return secure_headers(response)


@router.get("/bids/{rfp_id:id}/documents/{document_id:id}")
def download(request: Request, me: BidderDep, rfp_id: int, document_id: int) -> Response:
    rfp = rfp_for_person(me.acting.db, me.viewer, rfp_id)
    version = optional_id(request.query_params.get("version"), "version")
    found = version_of_rfp_document(me.acting.db, rfp, document_id, version)
    return file_response(me.acting.runtime.storage, found)


@router.get("/bids/{rfp_id:id}/documents.zip")
def download_all(me: BidderDep, rfp_id: int) -> Response:
    rfp = rfp_for_person(me.acting.db, me.viewer, rfp_id)
    bundle: IO[bytes] = bundle_tender_documents(me.acting.db, me.acting.runtime.storage,
                                                me.viewer.company_id, rfp.id)

    def chunks() -> Iterator[bytes]:
        with bundle:
            yield from iter(lambda: bundle.read(1 << 20), b"")

    response = StreamingResponse(chunks(), media_type="application/zip", headers={
        "Content-Disposition": disposition(f"rfp-{rfp.id}-documents.zip")})
    return secure_headers(response)


@router.post("/bids/{rfp_id:id}/messages")
def send_message(request: Request, me: BidderDep, rfp_id: int,
                 form: FormData = Depends(checked_upload_form)) -> Response:
    body = text(form, "text")
    files = [f for f in form.getlist("attachments")
             if isinstance(f, UploadFile) and f.filename]
    try:
        if not body:
            raise field_problem("text", "write a message", "text of 1 to 10000 characters")
        if len(body) > MESSAGE_LIMIT:
            raise field_problem("text", f"the message is longer than {MESSAGE_LIMIT} characters",
                                f"at most {MESSAGE_LIMIT} characters")
        rfp = rfp_for_person(me.acting.db, me.viewer, rfp_id)
        uploads = [Upload(f.filename or "attachment", f.content_type or "", f.file) for f in files]
        me.acting.attempt(lambda: messages.send_message(
            me.acting.db, me.acting.ctx, me.acting.runtime.storage, me.viewer.company_id,
            rfp.id, body, uploads, max_bytes=me.acting.runtime.settings.max_upload_bytes))
    except AppError as exc:
        if exc.status == 404:
            raise
        return rfp_page(request, me, rfp_id, status=exc.status, error=exc.detail,
                        form={"text": body})
    return secure_headers(RedirectResponse(f"/bids/{rfp_id}?msg=sent#messages", status_code=303))
