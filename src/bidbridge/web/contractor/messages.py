"""Messages with one invited subcontractor: the RFP's thread, and writing with attachments."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from bidbridge.errors import AppError
from bidbridge.models import Rfp, Workpackage
from bidbridge.services import contractor_messages, documents
from bidbridge.web.contractor.common import Contractor, done, page, rfp_of, workpackage_of
from bidbridge.web.contractor.forms import Problems, long_text
from bidbridge.web.contractor.workpackages import upload_of
from bidbridge.web.csrf import checked_upload_form
from bidbridge.web.rfp_files import file_response
from bidbridge.web.unit_of_work import Acting

router = APIRouter()


def _thread(request: Request, acting: Acting, wp: Workpackage, rfp: Rfp, *, status: int = 200,
            message: str | None = None, error: str | None = None, typed: str = "",
            problems: dict[str, str] | None = None) -> Response:
    return page(request, "contractor/messages.html", status=status, wp=wp, project=wp.project,
                rfp=rfp, thread=contractor_messages.thread(acting.db, rfp), message=message,
                error=error, typed=typed, problems=problems or {})


@router.get("/workpackages/{wp_id:id}/rfps/{rfp_id:id}/messages")
def thread(request: Request, acting: Contractor, wp_id: int, rfp_id: int,
           msg: str | None = None) -> Response:
    wp = workpackage_of(acting, wp_id)
    return _thread(request, acting, wp, rfp_of(acting, wp, rfp_id),
                   message="Your message is sent." if msg == "sent" else None)


@router.post("/workpackages/{wp_id:id}/rfps/{rfp_id:id}/messages")
def send(request: Request, acting: Contractor, wp_id: int, rfp_id: int,
         form: FormData = Depends(checked_upload_form)) -> Response:
    wp = workpackage_of(acting, wp_id)
    rfp = rfp_of(acting, wp, rfp_id)
    problems = Problems()
    body = long_text(form, "text", problems)
    if body is None:
        problems.add("text", "Write a message (1 to 10,000 characters).")
    files = [f for f in form.getlist("attachments") if isinstance(f, UploadFile) and f.filename]
    typed = str(form.get("text") or "")
    if problems or body is None:
        return _thread(request, acting, wp, rfp, status=422, typed=typed,
                       problems=problems.fields, error="The message was not sent.")
    try:
        acting.attempt(lambda: contractor_messages.send_to_subcontractor(
            acting.db, acting.ctx, acting.runtime.storage, rfp, text=body,
            attachments=[upload_of(f) for f in files],
            max_bytes=acting.runtime.settings.max_upload_bytes))
    except AppError as exc:
        return _thread(request, acting, wp, rfp, status=exc.status, typed=typed,
                       error=exc.detail)
    return done(f"/workpackages/{wp.id}/rfps/{rfp.id}/messages#latest", "sent")


@router.get("/workpackages/{wp_id:id}/rfps/{rfp_id:id}/attachments/{document_id:id}")
def download_attachment(acting: Contractor, wp_id: int, rfp_id: int, document_id: int
                        ) -> Response:
    wp = workpackage_of(acting, wp_id)
    doc = contractor_messages.attachment_of(acting.db, rfp_of(acting, wp, rfp_id), document_id)
    return file_response(acting.runtime.storage, documents.current_version(acting.db, doc))
