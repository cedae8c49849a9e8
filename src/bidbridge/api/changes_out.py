"""Addenda and questions as both APIs answer them: rows to the wire models."""

from __future__ import annotations

from typing import Any

from bidbridge.clock import unix
from bidbridge.models import Addendum, AddendumAcknowledgement
from bidbridge.services.questions import QuestionView
from bidbridge.wire.changes import ContractorQuestionOut, QuestionOut, SubAddendumOut


def addendum_fields(a: Addendum) -> dict[str, Any]:
    return {"addendum_id": a.id, "workpackage_id": a.workpackage_id, "number": a.number,
            "text": a.text, "published_at": unix(a.published_at),
            "published_by_name": a.published_by_name,
            "previous_deadline": unix(a.previous_deadline) if a.previous_deadline else None,
            "new_deadline": unix(a.new_deadline) if a.new_deadline else None,
            "line_changes": a.changes.get("lines", []),
            "documents": a.changes.get("documents", []),
            "answers_question_ids": a.changes.get("questions", [])}


def sub_addendum_out(a: Addendum, ack: AddendumAcknowledgement | None) -> SubAddendumOut:
    return SubAddendumOut.model_validate({
        **addendum_fields(a), "acknowledged": ack is not None,
        "acknowledged_at": unix(ack.acknowledged_at) if ack else None})


def question_fields(view: QuestionView, *, contractor: bool) -> dict[str, Any]:
    q = view.question
    fields: dict[str, Any] = {
        "question_id": q.id, "rfp_id": q.rfp_id if (view.mine or contractor) else None,
        "mine": view.mine, "text": q.text, "budget_line_id": q.budget_line_id,
        "document_id": q.document_id, "asked_at": unix(q.asked_at), "state": q.state.value,
        "answer": q.answer, "answered_at": unix(q.answered_at) if q.answered_at else None,
        "answered_by_addendum": view.addendum_number, "duplicate_of_id": q.duplicate_of_id}
    if contractor:
        assert view.asker is not None
        fields.update(company_id=view.asker.id, company=view.asker.name,
                      asked_by_name=q.asked_by_name)
    return fields


def question_out(view: QuestionView) -> QuestionOut:
    return QuestionOut.model_validate(question_fields(view, contractor=False))


def contractor_question_out(view: QuestionView) -> ContractorQuestionOut:
    return ContractorQuestionOut.model_validate(question_fields(view, contractor=True))
