"""Workpackages: creating and editing one, its page with the budget lines and documents, and
uploading a document or a new version of one."""

from __future__ import annotations

import os
from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy import select
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from bidbridge.api.contractor.changes import addenda_out
from bidbridge.errors import AppError
from bidbridge.models import Project, Rfp, RfpStatus, Workpackage
from bidbridge.services import budget_setup, contractor_queries, documents, projects, questions
from bidbridge.services.bill import counts_in_total
from bidbridge.services.rfps import current_proposal
from bidbridge.services.tender_documents import add_tender_document, document_of_workpackage
from bidbridge.web.contractor.common import Contractor, done, page, project_of, workpackage_of
from bidbridge.web.contractor.forms import Problems, html_date, long_text, moment, one_line
from bidbridge.web.csrf import checked_form, checked_upload_form
from bidbridge.web.fields import record_id
from bidbridge.web.rfp_files import file_response
from bidbridge.web.unit_of_work import Acting

router = APIRouter()
MESSAGES = {
    "created": "The workpackage is created. Add its budget lines and documents.",
    "updated": "The workpackage is saved. Invited subcontractors see the change.",
    "unchanged": "Nothing was changed.",
    "line_added": "The line is added.", "line_saved": "The line is saved.",
    "line_moved": "The line is moved.", "line_deleted": "The line is deleted.",
    "imported": "The spreadsheet's lines are added.",
    "bill_imported": "The bill is imported and replaces the previous lines. Invited "
                     "subcontractors see it.",
    "document": "The document is uploaded. Invited subcontractors see it.",
    "addendum": "The addendum is published; every invitee got a message and must acknowledge it.",
    "answered": "The answer is published to every invitee, without naming who asked.",
    "declined": "The question is declined as a duplicate; its asker sees which one answers it.",
}
WP_FIELDS = {"name", "code", "description", "deadline"}


def _read(form: FormData) -> tuple[dict[str, Any], Problems]:
    problems = Problems()
    values = {
        "name": one_line(form, "name", problems, max_length=200, required=True, label="Name"),
        "code": one_line(form, "code", problems, max_length=64),
        "description": long_text(form, "description", problems),
        "deadline": moment(form, "deadline", problems, with_time=True),
    }
    return values, problems


def _shown(wp: Workpackage | None) -> dict[str, str]:
    if wp is None:
        return {"name": "", "code": "", "description": "", "deadline": ""}
    return {"name": wp.name, "code": wp.code or "", "description": wp.description or "",
            "deadline": html_date(wp.deadline, with_time=True)}


def _form_page(request: Request, project: Project, wp: Workpackage | None,
               shown: dict[str, str], *, status: int = 200,
               problems: dict[str, str] | None = None, error: str | None = None) -> Response:
    return page(request, "contractor/workpackage_form.html", status=status, project=project,
                wp=wp, shown=shown, problems=problems or {}, error=error)


def _posted(form: FormData) -> dict[str, str]:
    return {name: str(form.get(name) or "") for name in WP_FIELDS}


@router.get("/projects/{project_id:id}/workpackages/new")
def new_workpackage(request: Request, acting: Contractor, project_id: int) -> Response:
    return _form_page(request, project_of(acting, project_id), None, _shown(None))


@router.post("/projects/{project_id:id}/workpackages")
def create_workpackage(request: Request, acting: Contractor, project_id: int,
                       form: FormData = Depends(checked_form)) -> Response:
    project = project_of(acting, project_id)
    values, problems = _read(form)
    if not problems:
        wp = projects.add_workpackage(acting.db, acting.ctx, project, **values)
        return done(f"/workpackages/{wp.id}", "created")
    return _form_page(request, project, None, _posted(form), status=422,
                      problems=problems.fields, error="Check the marked fields: nothing was saved.")


@router.get("/workpackages/{wp_id:id}/edit")
def edit_workpackage(request: Request, acting: Contractor, wp_id: int) -> Response:
    wp = workpackage_of(acting, wp_id)
    return _form_page(request, wp.project, wp, _shown(wp))


@router.post("/workpackages/{wp_id:id}/edit")
def update_workpackage(request: Request, acting: Contractor, wp_id: int,
                       form: FormData = Depends(checked_form)) -> Response:
    wp = workpackage_of(acting, wp_id)
    values, problems = _read(form)
    if not problems:
        changed = projects.update_workpackage(acting.db, acting.ctx, wp, **values)
        return done(f"/workpackages/{wp.id}", "updated" if changed else "unchanged")
    return _form_page(request, wp.project, wp, _posted(form), status=422,
                      problems=problems.fields, error="Check the marked fields: nothing was saved.")


def workpackage_page(request: Request, acting: Acting, wp: Workpackage, *, status: int = 200,
                     message: str | None = None, line_problems: dict[str, str] | None = None,
                     line_values: dict[str, str] | None = None,
                     import_errors: list[str] | None = None, error: str | None = None,
                     document_error: str | None = None, addendum_error: str | None = None,
                     question_error: str | None = None, bill_error: str | None = None,
                     bill_problems: list[str] | None = None) -> Response:
    """The workpackage's main page; refusals are shown in the section they belong to."""
    rfps = list(acting.db.scalars(select(Rfp).where(Rfp.workpackage_id == wp.id)
                                  .order_by(Rfp.id)))
    return page(request, "contractor/workpackage.html", status=status, wp=wp,
                project=wp.project, lines=budget_setup.live_lines(acting.db, wp.id),
                bill_error=bill_error, bill_problems=bill_problems or [],
                bids=[(rfp, current_proposal(acting.db, rfp.id)) for rfp in rfps],
                awarded=any(rfp.status == RfpStatus.AWARDED for rfp in rfps),
                counts_in_total=counts_in_total,
                documents=contractor_queries.workpackage_documents(acting.db, wp.id),
                versions=documents.current_version, db=acting.db,
                notice=message, line_problems=line_problems or {},
                line_values=line_values or {"code": "", "description": "", "quantity": "",
                                            "unit": ""},
                import_errors=import_errors or [], lines_error=error,
                document_error=document_error, addendum_error=addendum_error,
                question_error=question_error, addenda=addenda_out(acting.db, wp),
                questions=questions.questions_for_contractor(acting.db, wp.id),
                rfp_count=contractor_queries.rfp_count(acting.db, wp.id),
                min_notice_hours=acting.runtime.settings.addendum_min_notice_seconds // 3600)


@router.get("/workpackages/{wp_id:id}")
def show_workpackage(request: Request, acting: Contractor, wp_id: int,
                     msg: str | None = None) -> Response:
    wp = workpackage_of(acting, wp_id)
    return workpackage_page(request, acting, wp, message=MESSAGES.get(msg or ""))


def upload_of(file: UploadFile) -> documents.Upload:
    """The service's upload: the file name without any client-side path."""
    name = os.path.basename((file.filename or "document").replace("\\", "/"))[-255:] or "document"
    return documents.Upload(name, file.content_type or "application/octet-stream", file.file)


@router.post("/workpackages/{wp_id:id}/documents")
def upload_document(request: Request, acting: Contractor, wp_id: int,
                    form: FormData = Depends(checked_upload_form)) -> Response:
    wp = workpackage_of(acting, wp_id)
    file = form.get("file")
    replaces = str(form.get("replaces") or "")
    replaces_id = record_id(replaces)
    if not isinstance(file, UploadFile) or not file.filename:
        return workpackage_page(request, acting, wp, status=422,
                                document_error="Choose a file to upload (field file).")
    if replaces and replaces_id is None:
        return workpackage_page(request, acting, wp, status=422,
                                document_error="Pick the document to replace from the list.")
    try:
        acting.attempt(lambda: add_tender_document(
            acting.db, acting.ctx, acting.runtime.storage, upload_of(file), project=wp.project,
            workpackage=wp,
            replaces_id=replaces_id,
            max_bytes=acting.runtime.settings.max_upload_bytes))
    except AppError as exc:
        return workpackage_page(request, acting, wp, status=exc.status,
                                document_error=exc.detail)
    return done(f"/workpackages/{wp.id}#documents", "document")


@router.get("/workpackages/{wp_id:id}/documents/{document_id:id}")
def download_document(acting: Contractor, wp_id: int, document_id: int) -> Response:
    """The document's current version, as the subcontractors get it."""
    wp = workpackage_of(acting, wp_id)
    doc = document_of_workpackage(acting.db, wp, document_id)
    return file_response(acting.runtime.storage, documents.current_version(acting.db, doc))
