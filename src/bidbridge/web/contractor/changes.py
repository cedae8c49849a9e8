"""Publishing an addendum and answering questions from the workpackage page: the same services
the contractor API uses (publishAddendum, answerQuestion, declineQuestion), in the person's name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Depends
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from bidbridge.errors import AppError
from bidbridge.services import addenda, questions, scoping
from bidbridge.services.addenda import AddendumDraft
from bidbridge.web.contractor.common import Contractor, done, workpackage_of
from bidbridge.web.contractor.forms import Problems, long_text, moment
from bidbridge.web.contractor.workpackages import workpackage_page
from bidbridge.web.csrf import checked_form, text
from bidbridge.web.fields import record_id

router = APIRouter()


@router.post("/workpackages/{wp_id:id}/addenda")
def publish(request: Request, acting: Contractor, wp_id: int,
            form: FormData = Depends(checked_form)) -> Response:
    wp = workpackage_of(acting, wp_id)
    problems = Problems()
    body = long_text(form, "addendum_text", problems)
    deadline = moment(form, "addendum_deadline", problems, with_time=True)
    chosen = [found for v in form.getlist("addendum_documents")
              if isinstance(v, str) and (found := record_id(v)) is not None]
    if body is None:
        problems.add("addendum_text", "Write what changes: every invitee reads it.")
    if problems.fields:
        return workpackage_page(request, acting, wp, status=422,
                                addendum_error=" ".join(problems.fields.values()))
    assert body is not None
    draft = AddendumDraft(text=body, document_ids=chosen,
                          new_deadline=datetime.fromtimestamp(deadline, UTC) if deadline else None)
    notice = timedelta(seconds=acting.runtime.settings.addendum_min_notice_seconds)
    try:
        acting.attempt(lambda: addenda.publish_addendum(acting.db, acting.ctx, wp,
                                                        wp.project.company_id, draft,
                                                        min_notice=notice))
    except AppError as exc:
        return workpackage_page(request, acting, wp, status=exc.status, addendum_error=exc.detail)
    return done(f"/workpackages/{wp.id}#addenda", "addendum")


@router.post("/workpackages/{wp_id:id}/questions/{question_id:id}")
def answer_or_decline(request: Request, acting: Contractor, wp_id: int, question_id: int,
                      form: FormData = Depends(checked_form)) -> Response:
    wp = workpackage_of(acting, wp_id)
    question = scoping.load(acting.db, scoping.QUESTION_OF_CONTRACTOR, question_id,
                            for_company=wp.project.company_id, for_update=True)
    duplicate = text(form, "duplicate_of")
    problems = Problems()
    answer = long_text(form, "answer", problems)
    try:
        if question.workpackage_id != wp.id:
            raise questions.NotFound(f"There is no question {question_id} on this workpackage.")
        if duplicate:
            original = record_id(duplicate)
            if original is None:
                raise AppError("Choose the question it duplicates from the list.", status=422)
            acting.attempt(lambda: questions.decline_question(acting.db, acting.ctx, question,
                                                              original))
        else:
            if answer is None or problems.fields:
                raise AppError(" ".join(problems.fields.values()) or
                               "Write the answer, or choose the question it duplicates.",
                               status=422)
            acting.attempt(lambda: questions.answer_question(acting.db, acting.ctx, question,
                                                             answer))
    except AppError as exc:
        if exc.status == 404:
            raise
        return workpackage_page(request, acting, wp, status=exc.status, question_error=exc.detail)
    return done(f"/workpackages/{wp.id}#questions", "declined" if duplicate else "answered")
