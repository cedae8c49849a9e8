"""What both APIs answer about addenda and questions (the contractor's view adds who asked)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from bidbridge.api.declare import ApiModel
from bidbridge.clock import unix
from bidbridge.models import Addendum, AddendumAcknowledgement
from bidbridge.services.questions import QuestionView


class AddendumLineChangeOut(ApiModel):
    action: str = Field(description="add, remove or change")
    budget_line_id: int
    changed: list[str] | None = Field(default=None,
                                      description="With change: the fields that changed.")
    before: dict[str, Any] | None = Field(default=None, description="code, description, "
                                          "quantity, unit before (remove, change).")
    after: dict[str, Any] | None = Field(default=None, description="The line after (add, "
                                         "change).")


class AddendumDocumentOut(ApiModel):
    document_id: int
    version: int = Field(description="The version the addendum published.")
    name: str


class AddendumOut(ApiModel):
    addendum_id: int
    workpackage_id: int
    number: int = Field(description="1, 2, … per workpackage; a published addendum never "
                                    "changes.")
    text: str
    published_at: int
    published_by_name: str
    previous_deadline: int | None = Field(description="The deadline before (unix seconds).")
    new_deadline: int | None = Field(description="The deadline it set; null: unchanged.")
    line_changes: list[AddendumLineChangeOut]
    documents: list[AddendumDocumentOut] = Field(description="Tender documents it adds or "
                                                             "replaces.")
    answers_question_ids: list[int]


class SubAddendumOut(AddendumOut):
    acknowledged: bool
    acknowledged_at: int | None


class AcknowledgementOut(ApiModel):
    rfp_id: int
    company: str
    acknowledged_at: int
    acknowledged_by_name: str


class ContractorAddendumOut(AddendumOut):
    acknowledgements: list[AcknowledgementOut] = Field(description="Which invitees "
                                                       "acknowledged it, and when.")


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


class QuestionOut(ApiModel):
    question_id: int
    rfp_id: int | None = Field(description="Your RFP, for your own questions; null for "
                                           "another bidder's (never named).")
    mine: bool = Field(description="You asked it.")
    text: str
    budget_line_id: int | None
    document_id: int | None
    asked_at: int
    state: str = Field(description="open, answered or declined (as a duplicate).")
    answer: str | None
    answered_at: int | None
    answered_by_addendum: int | None = Field(description="The number of the addendum that "
                                                         "answered it.")
    duplicate_of_id: int | None


class ContractorQuestionOut(QuestionOut):
    company_id: int
    company: str
    asked_by_name: str


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
