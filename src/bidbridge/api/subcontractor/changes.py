"""getAddenda, acknowledgeAddendum, askQuestion and getQuestions (subcontractor API)."""

from __future__ import annotations

from typing import Annotated

from bidbridge.api.call import Call
from bidbridge.api.changes_out import question_out, sub_addendum_out
from bidbridge.api.declare import Input, Param, function, id_parameter
from bidbridge.api.subcontractor.common import RFP_ID, TEXT_PATTERN
from bidbridge.services import addenda, questions
from bidbridge.services.questions import QuestionView
from bidbridge.services.scoping import RFP_OF_SUBCONTRACTOR, load
from bidbridge.wire.changes import QuestionOut, SubAddendaOut, SubAddendumOut, SubQuestionsOut

TAG = "Addenda and questions"


class RfpIn(Input):
    rfp_id: Annotated[int, RFP_ID]


@function(
    api="subcontractor", name="getAddenda", path="/rfps/{rfpId}/addenda", tag=TAG,
    input=RfpIn, response=SubAddendaOut, errors=["not_found"],
    summary="The addenda of an RFP's workpackage, oldest first, with your acknowledgement.",
    description=(
        "An addendum is a numbered, locked change to the tender: its text, the budget-line "
        "changes it made, the documents it added or replaced, a new deadline, and the questions "
        "it answers. Acknowledge each one with acknowledgeAddendum: submitProposal is refused "
        "(409 addendum_unacknowledged) until every addendum is acknowledged, and a proposal "
        "submitted before an addendum shows state needs_reconfirmation until you submit a new "
        "version (or withdraw)."),
)
def get_addenda(call: Call, args: RfpIn) -> SubAddendaOut:
    rfp = load(call.session, RFP_OF_SUBCONTRACTOR, args.rfp_id, for_company=call.principal.company_id)
    acks = addenda.acknowledgements(call.session, rfp.id)
    rows = addenda.list_addenda(call.session, rfp.workpackage_id)
    return SubAddendaOut(rfp_id=rfp.id, latest_addendum=max((a.number for a in rows), default=0),
                         addenda=[sub_addendum_out(a, acks.get(a.id)) for a in rows])


class AcknowledgeIn(Input):
    rfp_id: Annotated[int, RFP_ID]
    addendum_number: Annotated[int, id_parameter(
        "addendumNumber", "query", "The addendum's number (number from getAddenda).",
        required=True, expected="a positive whole number",
        example=1)]


@function(
    api="subcontractor", name="acknowledgeAddendum", path="/rfps/{rfpId}/acknowledgements",
    tag=TAG, input=AcknowledgeIn, response=SubAddendumOut, idempotent_writes=True,
    errors=["not_found", "rfp_forwarded"],
    summary="Confirm you have read an addendum; needed before you submit.",
    description=(
        "Acknowledging again changes nothing: the first acknowledgement (its time and person) "
        "stands. The contractor sees who acknowledged which addendum."),
)
def acknowledge_addendum(call: Call, args: AcknowledgeIn) -> SubAddendumOut:
    rfp = load(call.session, RFP_OF_SUBCONTRACTOR, args.rfp_id, for_company=call.principal.company_id,
               for_update=True)
    done = addenda.acknowledge_addendum(call.session, call.ctx, rfp, args.addendum_number)
    return sub_addendum_out(done.addendum, done.acknowledgement)


class AskIn(Input):
    rfp_id: Annotated[int, RFP_ID]
    text: Annotated[str, Param(
        "text", "query", "The question.", pattern=TEXT_PATTERN, max_length=5000, required=True,
        expected="text of 1 to 5000 characters",
        example="Is the scaffolding on the north façade included?")]
    budget_line_id: Annotated[int | None, id_parameter(
        "budgetLineId", "query", "The budget line the question is about.",
        expected="a budget line id from getBudgetLines")] = None
    document_id: Annotated[int | None, id_parameter(
        "documentId", "query", "The tender document the question is about.",
        expected="a document id from getDocuments")] = None


@function(
    api="subcontractor", name="askQuestion", path="/rfps/{rfpId}/questions", tag=TAG,
    input=AskIn, response=QuestionOut, status=201, idempotent_writes=True,
    errors=["not_found", "questions_closed", "rfp_forwarded"],
    summary="Ask the contractor a question about the tender, until the question deadline.",
    description=(
        "Open until the project's question deadline (questionsDate, at hour questionsTime UTC "
        "when given); without one, until the proposal deadline (then 409 questions_closed). The "
        "answer is published to every invitee of the workpackage; your company is never named "
        "to the others. A question can name a budget line or a tender document."),
)
def ask_question(call: Call, args: AskIn) -> QuestionOut:
    rfp = load(call.session, RFP_OF_SUBCONTRACTOR, args.rfp_id, for_company=call.principal.company_id,
               for_update=True)
    question = questions.ask_question(call.session, call.ctx, rfp, args.text,
                                      budget_line_id=args.budget_line_id,
                                      document_id=args.document_id)
    return question_out(QuestionView(question, True, None, None))


@function(
    api="subcontractor", name="getQuestions", path="/rfps/{rfpId}/questions", tag=TAG,
    input=RfpIn, response=SubQuestionsOut, errors=["not_found"],
    summary="The workpackage's answered questions, and all of your own, oldest first.",
    description=(
        "Every bidder sees the same answered questions, without who asked them (rfpId is null "
        "and mine false for other bidders' questions). Your own questions are listed in any "
        "state: open, answered, or declined as a duplicate (duplicateOfId names the question "
        "that carries the answer)."),
)
def get_questions(call: Call, args: RfpIn) -> SubQuestionsOut:
    rfp = load(call.session, RFP_OF_SUBCONTRACTOR, args.rfp_id, for_company=call.principal.company_id)
    return SubQuestionsOut(rfp_id=rfp.id, questions=[
        question_out(v) for v in questions.questions_for_subcontractor(call.session, rfp)])
