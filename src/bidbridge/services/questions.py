"""Questions and answers on a workpackage: a bidder asks on its RFP until the question deadline;
the contractor answers (for every invitee alike, the asker never named), answers by an addendum,
or declines a question as a duplicate of another."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bidbridge.clock import unix
from bidbridge.errors import Conflict, NotFound
from bidbridge.models import (
    Addendum,
    BudgetLine,
    Company,
    Document,
    Message,
    MessageDirection,
    Project,
    Question,
    QuestionState,
    Rfp,
    Workpackage,
)
from bidbridge.services import events
from bidbridge.services.audit import record_event
from bidbridge.services.context import RequestContext
from bidbridge.services.scoping import effective_deadline, touch_rfp
from bidbridge.services.tender_rules import ensure_not_forwarded


def questions_deadline(project: Project) -> datetime | None:
    """The project's question deadline: questionsDate, at the hour questionsTime (UTC) when
    given; None when the contractor set none."""
    if project.questions_date is None:
        return None
    if project.questions_time is None:
        return project.questions_date
    day = project.questions_date.astimezone(UTC).replace(hour=0, minute=0, second=0,
                                                         microsecond=0)
    return day + timedelta(hours=project.questions_time)


def ensure_questions_open(rfp: Rfp, now: datetime) -> None:
    """Until the question deadline; without one, until the proposal deadline."""
    closes = questions_deadline(rfp.project)
    which = "question deadline"
    if closes is None:
        closes, which = effective_deadline(rfp), "proposal deadline"
    if closes is not None and now >= closes:
        raise Conflict(f"The {which} of RFP {rfp.id} passed at {closes.isoformat()} (unix "
                       f"{unix(closes)}); no more questions can be asked. Write to the "
                       "contractor through the RFP's messages instead.",
                       code="questions_closed", data={"questionsDeadline": unix(closes)})


def ask_question(session: Session, ctx: RequestContext, rfp: Rfp, text: str, *,
                 budget_line_id: int | None = None, document_id: int | None = None) -> Question:
    """A question of the (scoped, locked) RFP's company, optionally about a line or document."""
    now = ctx.now()
    ensure_not_forwarded(rfp, "asking a question")
    ensure_questions_open(rfp, now)
    if budget_line_id is not None:
        line = session.get(BudgetLine, budget_line_id)
        if line is None or line.workpackage_id != rfp.workpackage_id or line.deleted_at:
            raise NotFound(f"budgetLineId: there is no budget line {budget_line_id} in RFP "
                           f"{rfp.id}. List them with getBudgetLines.", code="not_found",
                           data={"resource": "budget_line", "id": budget_line_id,
                                 "parameter": "budgetLineId"})
    if document_id is not None:
        doc = session.get(Document, document_id)
        if (doc is None or doc.deleted_at is not None
                or not (doc.workpackage_id == rfp.workpackage_id
                        or doc.project_id == rfp.project_id)):
            raise NotFound(f"documentId: there is no tender document {document_id} in RFP "
                           f"{rfp.id}. List them with getDocuments.", code="not_found",
                           data={"resource": "document", "id": document_id,
                                 "parameter": "documentId"})
    question = Question(workpackage_id=rfp.workpackage_id, rfp_id=rfp.id,
                        budget_line_id=budget_line_id, document_id=document_id, text=text,
                        asked_at=now, asked_by_id=ctx.actor.id, asked_by_name=ctx.actor.name,
                        state=QuestionState.OPEN)
    session.add(question)
    touch_rfp(rfp, now)
    session.flush()
    data = {"rfpId": rfp.id, "questionId": question.id, "workpackageId": rfp.workpackage_id}
    for company_id in (rfp.company_id, rfp.contractor_company_id):
        record_event(session, ctx, "question.asked", company_id=company_id,
                     target_type="question", target_id=question.id,
                     target_label=f"RFP {rfp.id} question {question.id}", data=data)
    return question


def _ensure_open(question: Question, action: str) -> None:
    if question.state != QuestionState.OPEN:
        raise Conflict(f"Question {question.id} is already {question.state.value}; {action} is "
                       "no longer possible. Publish an addendum to correct an answer.",
                       code="question_closed", data={"questionId": question.id,
                                                     "state": question.state.value})


def answer_question(session: Session, ctx: RequestContext, question: Question, answer: str
                    ) -> Question:
    """Answer an open question (scoped and locked); every invitee is told alike."""
    _ensure_open(question, "answering it")
    question.state = QuestionState.ANSWERED
    question.answer = answer
    question.answered_at = ctx.now()
    question.answered_by_name = ctx.actor.name
    announce_answer(session, ctx, question)
    return question


def announce_answer(session: Session, ctx: RequestContext, question: Question) -> None:
    """The one place an answer is published: a message on every invitee's RFP that quotes the
    question without naming who asked, and the audit row (issue 15's events go here too)."""
    wp = session.get(Workpackage, question.workpackage_id)
    assert wp is not None
    now = ctx.now()
    text = (f"A question on {wp.name} was answered (question {question.id}).\n\n"
            f"Question: {question.text}\n\nAnswer: {question.answer}")
    rfps = list(session.scalars(select(Rfp).where(Rfp.workpackage_id == wp.id,
                                                  Rfp.forwarded_to_company_id.is_(None))
                                .order_by(Rfp.id)))
    for rfp in rfps:
        message = Message(rfp_id=rfp.id, direction=MessageDirection.TO_SUBCONTRACTOR,
                          author_company_id=rfp.contractor_company_id,
                          author_contact_id=ctx.actor.id, author_name=ctx.actor.name,
                          text=text, sent_at=now)
        session.add(message)
        touch_rfp(rfp, now)
        session.flush()
        events.emit(session, ctx, "question.answered", company_id=rfp.company_id,
                    subject_id=rfp.id, rfp_id=rfp.id, data={"questionId": question.id})
        events.emit(session, ctx, "message.received", company_id=rfp.company_id,
                    subject_id=message.id, rfp_id=rfp.id)
    record_event(session, ctx, "question.answered", company_id=wp.project.company_id,
                 target_type="question", target_id=question.id,
                 target_label=f"{wp.name} question {question.id}",
                 data={"questionId": question.id, "workpackageId": wp.id,
                       "invitees": len(rfps)})
    session.flush()


def decline_question(session: Session, ctx: RequestContext, question: Question,
                     duplicate_of_id: int) -> Question:
    """Decline an open question as a duplicate of another question of the same workpackage."""
    _ensure_open(question, "declining it")
    original = session.get(Question, duplicate_of_id)
    if original is None or original.workpackage_id != question.workpackage_id:
        raise NotFound(f"duplicateOfId: there is no question {duplicate_of_id} on the same "
                       "workpackage.", code="not_found",
                       data={"resource": "question", "id": duplicate_of_id,
                             "parameter": "duplicateOfId"})
    if original.id == question.id or original.state == QuestionState.DECLINED:
        raise Conflict(f"duplicateOfId: question {duplicate_of_id} cannot be the original "
                       + ("of itself." if original.id == question.id else
                          f"(it was itself declined as a duplicate of question "
                          f"{original.duplicate_of_id}); name that one instead."),
                       code="invalid_duplicate",
                       data={"parameter": "duplicateOfId",
                             "suggestedId": original.duplicate_of_id})
    question.state = QuestionState.DECLINED
    question.duplicate_of_id = original.id
    question.answered_at = ctx.now()
    question.answered_by_name = ctx.actor.name
    asker = session.get(Rfp, question.rfp_id)
    assert asker is not None
    touch_rfp(asker, ctx.now())
    session.flush()
    data = {"questionId": question.id, "duplicateOfId": original.id}
    for company_id in (asker.contractor_company_id, asker.company_id):
        record_event(session, ctx, "question.declined", company_id=company_id,
                     target_type="question", target_id=question.id,
                     target_label=f"question {question.id}", data=data)
    return question


@dataclass(frozen=True)
class QuestionView:
    question: Question
    mine: bool
    addendum_number: int | None
    asker: Company | None  # only in the contractor's view


def _addendum_numbers(session: Session, questions: list[Question]) -> dict[int, int]:
    ids = {q.addendum_id for q in questions if q.addendum_id is not None}
    if not ids:
        return {}
    rows = session.execute(select(Addendum.id, Addendum.number).where(Addendum.id.in_(ids)))
    return {addendum_id: number for addendum_id, number in rows}


def questions_for_subcontractor(session: Session, rfp: Rfp) -> list[QuestionView]:
    """Every answered question of the workpackage (anonymous) and all of our own, oldest first."""
    rows = list(session.scalars(
        select(Question).where(Question.workpackage_id == rfp.workpackage_id,
                               or_(Question.state == QuestionState.ANSWERED,
                                   Question.rfp_id == rfp.id))
        .order_by(Question.id)))
    numbers = _addendum_numbers(session, rows)
    return [QuestionView(q, q.rfp_id == rfp.id, numbers.get(q.addendum_id or 0), None)
            for q in rows]


def questions_for_contractor(session: Session, workpackage_id: int, *,
                             question_id: int | None = None) -> list[QuestionView]:
    """Every question of the (scoped) workpackage with who asked it, oldest first."""
    query = (select(Question, Company).join(Rfp, Rfp.id == Question.rfp_id)
             .join(Company, Company.id == Rfp.company_id)
             .where(Question.workpackage_id == workpackage_id).order_by(Question.id))
    if question_id is not None:
        query = query.where(Question.id == question_id)
    rows = [(question, company) for question, company in session.execute(query)]
    numbers = _addendum_numbers(session, [q for q, _ in rows])
    return [QuestionView(q, False, numbers.get(q.addendum_id or 0), c) for q, c in rows]
