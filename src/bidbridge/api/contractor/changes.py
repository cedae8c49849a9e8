"""publishAddendum, getAddenda, getQuestions, answerQuestion and declineQuestion (contractor API)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from bidbridge.api.call import Call
from bidbridge.api.changes_out import addendum_fields, contractor_question_out
from bidbridge.api.contractor.outputs import id_param
from bidbridge.api.contractor.projects import DATE
from bidbridge.api.contractor.workpackages import WORKPACKAGE_ID
from bidbridge.api.declare import Api, Input, Param, function, id_parameter
from bidbridge.api.subcontractor.common import TEXT_PATTERN
from bidbridge.clock import unix
from bidbridge.errors import InvalidParameters
from bidbridge.ids import Id
from bidbridge.models import (
    Addendum,
    AddendumAcknowledgement,
    Company,
    Question,
    Rfp,
    Workpackage,
)
from bidbridge.services import addenda, questions, rfp_status, scoping, sealing
from bidbridge.services.addenda import AddendumDraft, LineChange
from bidbridge.wire.changes import (
    BidOpeningOut,
    CancelledOut,
    ContractorAddendaOut,
    ContractorAddendumOut,
    ContractorQuestionOut,
    ContractorQuestionsOut,
)

API: Api = "contractor"
TAG = "Addenda and questions"
QUESTION_ID = id_param("questionId", "question", "getQuestions")


class LineChangeIn(BaseModel):
    """One budget-line change of an addendum; the line's rules are budget_setup's."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    action: Literal["add", "remove", "change"]
    budget_line_id: Id | None = Field(default=None, alias="budgetLineId")
    code: str | None = None
    description: str | None = None
    quantity: Annotated[Decimal, Field(allow_inf_nan=False)] | None = None
    unit: str | None = None


def _line_changes(items: list[LineChangeIn]) -> list[LineChange]:
    out = []
    for index, item in enumerate(items):
        values = {k: v for k, v in (("code", item.code), ("description", item.description),
                                    ("quantity", item.quantity), ("unit", item.unit))
                  if k in item.model_fields_set}
        wants_id = item.action != "add"
        if wants_id != (item.budget_line_id is not None) or (item.action == "remove" and values):
            problem = ("add takes no budgetLineId" if not wants_id else
                       "remove takes only budgetLineId" if item.budget_line_id else
                       f"{item.action} needs budgetLineId")
            raise InvalidParameters(f"lines[{index}]: {problem}.", data={"errors": [{
                "parameter": f"lines[{index}]", "in": "query", "problem": "invalid",
                "message": problem, "expected": '{"action": "add", "description": …, '
                '"quantity": …, "unit": …}, {"action": "remove", "budgetLineId": 1} or '
                '{"action": "change", "budgetLineId": 1, "quantity": "12.5"}'}]})
        out.append(LineChange(item.action, item.budget_line_id, values))
    return out


def addenda_out(session: Session, wp: Workpackage) -> list[ContractorAddendumOut]:
    rows = addenda.list_addenda(session, wp.id)
    acks: dict[int, list[dict[str, Any]]] = {a.id: [] for a in rows}
    if rows:
        found = session.execute(
            select(AddendumAcknowledgement, Company.name)
            .join(Rfp, Rfp.id == AddendumAcknowledgement.rfp_id)
            .join(Company, Company.id == Rfp.company_id)
            .where(AddendumAcknowledgement.addendum_id.in_(list(acks)))
            .order_by(AddendumAcknowledgement.id))
        for ack, company in found:
            acks[ack.addendum_id].append({
                "rfp_id": ack.rfp_id, "company": company,
                "acknowledged_at": unix(ack.acknowledged_at),
                "acknowledged_by_name": ack.acknowledged_by_name})
    return [ContractorAddendumOut.model_validate({**addendum_fields(a),
                                                  "acknowledgements": acks[a.id]})
            for a in rows]


def _one(session: Session, wp: Workpackage, addendum: Addendum) -> ContractorAddendumOut:
    return next(a for a in addenda_out(session, wp) if a.addendum_id == addendum.id)


class PublishIn(Input):
    workpackage_id: Annotated[int, WORKPACKAGE_ID]
    text: Annotated[str, Param(
        "text", "query", "What changes and why; every invitee reads it.", pattern=TEXT_PATTERN,
        max_length=10000, required=True, expected="text of 1 to 10,000 characters",
        example="Drawing A-101 revised: the north façade gets a plinth of 0.5 m.")]
    lines: Annotated[list[LineChangeIn] | None, Param(
        "lines", "query", "A JSON list of budget-line changes: {action: add, code, "
        "description, quantity, unit}, {action: remove, budgetLineId} or {action: change, "
        "budgetLineId, and the fields that change}.", type="json",
        expected='a JSON list like [{"action": "change", "budgetLineId": 1, "quantity": "130"}]',
        example='[{"action": "add", "code": "22.09", "description": "Plint", '
                '"quantity": "42", "unit": "m1"}]')] = None
    document_ids: Annotated[list[Id] | None, Param(
        "documentIds", "query", "A JSON list of the tender documents (of the workpackage or its "
        "project) this addendum adds or replaces, at their current version.", type="json",
        expected="a JSON list of document ids, e.g. [3, 4]")] = None
    deadline: Annotated[int | None, Param(
        "deadline", "query", "A new proposal deadline for the workpackage, unix seconds.",
        pattern=DATE, type="integer", expected="a 10-digit unix timestamp in seconds")] = None
    answers_question_ids: Annotated[list[Id] | None, Param(
        "answersQuestionIds", "query", "A JSON list of open questions this addendum answers.",
        type="json", expected="a JSON list of question ids, e.g. [7]")] = None


@function(
    api=API, name="publishAddendum", path="/workpackages/{workpackageId}/addenda", tag=TAG,
    input=PublishIn, status=201, idempotent_writes=True, response=ContractorAddendumOut,
    errors=["not_found", "deadline_extension_required", "question_closed",
            "workpackage_decided"],
    summary="Publish the next numbered addendum of a workpackage; it is locked from then on.",
    description=(
        "In one step: the budget-line changes (added, removed, quantity or text changed; a "
        "line whose quantity changes becomes unpriced for every bidder), the tender documents "
        "it adds or replaces (upload them first with addDocument), an optional new deadline, "
        "and the open questions it answers. Every invitee gets a message on its RFP, must "
        "acknowledge the addendum before submitting, and a proposal submitted earlier needs "
        "reconfirmation. The late-change rule: an addendum must leave at least "
        "BIDBRIDGE_ADDENDUM_MIN_NOTICE_SECONDS (2 days by default) before the deadline; a later "
        "one must move the deadline that far out, or it is refused (422 "
        "deadline_extension_required, with earliestDeadline). A published addendum can never "
        "be edited or deleted, only followed by another."),
)
def publish_addendum(call: Call, args: PublishIn) -> ContractorAddendumOut:
    wp = scoping.load(call.session, scoping.WORKPACKAGE_OF_CONTRACTOR, args.workpackage_id,
                      for_company=call.principal.company_id)
    draft = AddendumDraft(
        text=args.text, line_changes=_line_changes(args.lines or []),
        document_ids=args.document_ids or [],
        new_deadline=(datetime.fromtimestamp(args.deadline, UTC)
                      if args.deadline is not None else None),
        answers=args.answers_question_ids or [])
    notice = timedelta(seconds=call.runtime.settings.addendum_min_notice_seconds)
    addendum = addenda.publish_addendum(call.session, call.ctx, wp, call.principal.company_id,
                                        draft, min_notice=notice)
    return _one(call.session, wp, addendum)




class WorkpackageIn(Input):
    workpackage_id: Annotated[int, WORKPACKAGE_ID]


@function(
    api=API, name="getAddenda", path="/workpackages/{workpackageId}/addenda", tag=TAG,
    input=WorkpackageIn, response=ContractorAddendaOut, errors=["not_found"],
    summary="A workpackage's addenda, oldest first, with who acknowledged each.",
)
def get_addenda(call: Call, args: WorkpackageIn) -> ContractorAddendaOut:
    wp = scoping.load(call.session, scoping.WORKPACKAGE_OF_CONTRACTOR, args.workpackage_id,
                      for_company=call.principal.company_id)
    return ContractorAddendaOut(workpackage_id=wp.id, addenda=addenda_out(call.session, wp))




@function(
    api=API, name="getQuestions", path="/workpackages/{workpackageId}/questions", tag=TAG,
    input=WorkpackageIn, response=ContractorQuestionsOut, errors=["not_found"],
    summary="Every question asked on a workpackage, oldest first, with who asked it.",
    description="Only you see who asked; the bidders see answered questions without a name.",
)
def get_questions(call: Call, args: WorkpackageIn) -> ContractorQuestionsOut:
    wp = scoping.load(call.session, scoping.WORKPACKAGE_OF_CONTRACTOR, args.workpackage_id,
                      for_company=call.principal.company_id)
    return ContractorQuestionsOut(workpackage_id=wp.id, questions=[
        contractor_question_out(v)
        for v in questions.questions_for_contractor(call.session, wp.id)])


def _view(call: Call, question: Question) -> ContractorQuestionOut:
    view, = questions.questions_for_contractor(call.session, question.workpackage_id,
                                               question_id=question.id)
    return contractor_question_out(view)


class AnswerIn(Input):
    question_id: Annotated[int, QUESTION_ID]
    answer: Annotated[str, Param(
        "answer", "query", "The answer.", pattern=TEXT_PATTERN, max_length=10000,
        required=True, expected="text of 1 to 10,000 characters",
        example="Yes: scaffolding for all façades is part of this workpackage.")]


@function(
    api=API, name="answerQuestion", path="/questions/{questionId}/answer", tag=TAG,
    input=AnswerIn, response=ContractorQuestionOut, idempotent_writes=True,
    errors=["not_found", "question_closed"],
    summary="Answer a question; the answer goes to every invitee, the asker unnamed.",
    description="Each invitee gets a message quoting question and answer. An answered question "
                "stays answered: correct it with an addendum.",
)
def answer_question(call: Call, args: AnswerIn) -> ContractorQuestionOut:
    question = scoping.load(call.session, scoping.QUESTION_OF_CONTRACTOR, args.question_id,
                            for_company=call.principal.company_id, for_update=True)
    questions.answer_question(call.session, call.ctx, question, args.answer)
    return _view(call, question)


class DeclineIn(Input):
    question_id: Annotated[int, QUESTION_ID]
    duplicate_of_id: Annotated[int, id_parameter(
        "duplicateOfId", "query", "The question it duplicates.", required=True,
        expected="a question id from getQuestions", example=1)]


@function(
    api=API, name="declineQuestion", path="/questions/{questionId}/decline", tag=TAG,
    input=DeclineIn, response=ContractorQuestionOut, idempotent_writes=True,
    errors=["not_found", "question_closed", "invalid_duplicate"],
    summary="Decline a question as a duplicate of another on the same workpackage.",
    description="The asker sees the question declined with duplicateOfId; the original's answer "
                "answers it.",
)
def decline_question(call: Call, args: DeclineIn) -> ContractorQuestionOut:
    question = scoping.load(call.session, scoping.QUESTION_OF_CONTRACTOR, args.question_id,
                            for_company=call.principal.company_id, for_update=True)
    questions.decline_question(call.session, call.ctx, question, args.duplicate_of_id)
    return _view(call, question)


class CancelIn(Input):
    workpackage_id: Annotated[int, WORKPACKAGE_ID]
    reason: Annotated[str | None, Param(
        "reason", "query", "Why the tender is cancelled; every invitee reads it.",
        pattern=TEXT_PATTERN, max_length=2000, expected="text of at most 2000 characters",
        example="The client postponed the project.")] = None


@function(
    api=API, name="cancelWorkpackage", path="/workpackages/{workpackageId}/cancel", tag="RFPs",
    input=CancelIn, response=CancelledOut, idempotent_writes=True,
    errors=["not_found", "workpackage_decided"],
    summary="Cancel a workpackage's tender: every RFP gets the outcome cancelled.",
    description="Each invitee gets a message (with the reason) and sees outcome=cancelled in "
                "getRfp and getRfps. Refused once the workpackage was awarded (409 "
                "workpackage_decided).",
)
def cancel_workpackage(call: Call, args: CancelIn) -> CancelledOut:
    wp = scoping.load(call.session, scoping.WORKPACKAGE_OF_CONTRACTOR, args.workpackage_id,
                      for_company=call.principal.company_id)
    changed = rfp_status.cancel_workpackage(call.session, call.ctx, wp, args.reason)
    return CancelledOut(workpackage_id=wp.id, cancelled_rfp_ids=[r.id for r in changed])


@function(
    api=API, name="getBidOpening", path="/workpackages/{workpackageId}/opening", tag="Proposals",
    input=WorkpackageIn, response=BidOpeningOut, errors=["not_found", "sealed_until_deadline"],
    summary="The opening of a sealed workpackage's bids: who, when, how many.",
    description="Before the deadline of a sealed workpackage 409 sealed_until_deadline. The "
                "first read after it (this function or getProposals, or the web comparison) "
                "records the opening, once; later reads show that record. An unsealed "
                "workpackage answers sealed=false with no opening.",
)
def get_bid_opening(call: Call, args: WorkpackageIn) -> BidOpeningOut:
    wp = scoping.load(call.session, scoping.WORKPACKAGE_OF_CONTRACTOR, args.workpackage_id,
                      for_company=call.principal.company_id)
    deadline = sealing.deadline_of(wp)
    opening = sealing.ensure_readable(call.session, call.ctx, wp)
    if opening is None:
        return BidOpeningOut(workpackage_id=wp.id, sealed=False,
                             deadline=unix(deadline) if deadline else None, opened_at=None,
                             opened_by_name=None, bid_count=None)
    if opening.new:
        found = opening
        call.after_read(lambda session: sealing.record_opening(session, call.ctx, found))
    return BidOpeningOut(workpackage_id=wp.id, sealed=True,
                         deadline=unix(deadline) if deadline else None,
                         opened_at=unix(opening.opened_at), opened_by_name=opening.opened_by_name,
                         bid_count=opening.bid_count)
