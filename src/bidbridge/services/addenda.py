"""Addenda: numbered, locked changes to a workpackage's tender, and their acknowledgement.

Publishing locks every RFP row of the workpackage first (in id order), the same row a
submission locks: a proposal is therefore either committed before the addendum (and then needs
reconfirmation) or sees it (and is refused until it is acknowledged) — never a mix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bidbridge.clock import unix
from bidbridge.errors import Conflict, InvalidParameters, NotFound
from bidbridge.models import (
    Addendum,
    AddendumAcknowledgement,
    BudgetLine,
    Document,
    Message,
    MessageDirection,
    PriceEntry,
    Question,
    QuestionState,
    Rfp,
    Workpackage,
)
from bidbridge.services import budget_setup, events, money
from bidbridge.services.audit import record_event
from bidbridge.services.budget_setup import NewLine
from bidbridge.services.context import RequestContext
from bidbridge.services.projects import bump_workpackage
from bidbridge.services.scoping import touch_rfp
from bidbridge.services.tender_rules import ensure_not_forwarded

DEFAULT_MIN_NOTICE = timedelta(days=2)


@dataclass(frozen=True)
class LineChange:
    """``add`` (``values``: a whole line), ``remove`` (``budget_line_id``) or ``change``
    (``budget_line_id`` and the fields that change; the others stay)."""

    action: str
    budget_line_id: int | None = None
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AddendumDraft:
    text: str
    line_changes: list[LineChange] = field(default_factory=list)
    document_ids: list[int] = field(default_factory=list)
    new_deadline: datetime | None = None
    answers: list[int] = field(default_factory=list)  # question ids this addendum answers


def _invalid(parameter: str, message: str, expected: str) -> InvalidParameters:
    return InvalidParameters(f"{parameter}: {message}; expected {expected}.",
                             data={"errors": [{"parameter": parameter, "in": "query",
                                               "problem": "invalid", "message": message,
                                               "expected": expected}]})


def latest_number(session: Session, workpackage_id: int) -> int:
    """The number of the workpackage's latest published addendum; 0 when there is none."""
    return session.scalar(select(func.max(Addendum.number))
                          .where(Addendum.workpackage_id == workpackage_id)) or 0


def latest_numbers(session: Session, workpackage_ids: list[int]) -> dict[int, int]:
    if not workpackage_ids:
        return {}
    rows = session.execute(select(Addendum.workpackage_id, func.max(Addendum.number))
                           .where(Addendum.workpackage_id.in_(set(workpackage_ids)))
                           .group_by(Addendum.workpackage_id))
    found = {wp_id: number for wp_id, number in rows}
    return {wp_id: found.get(wp_id, 0) for wp_id in workpackage_ids}


def list_addenda(session: Session, workpackage_id: int) -> list[Addendum]:
    return list(session.scalars(select(Addendum).where(Addendum.workpackage_id == workpackage_id)
                                .order_by(Addendum.number)))


def acknowledged_numbers(session: Session, rfp_id: int) -> set[int]:
    return set(session.scalars(
        select(Addendum.number).join(AddendumAcknowledgement,
                                     AddendumAcknowledgement.addendum_id == Addendum.id)
        .where(AddendumAcknowledgement.rfp_id == rfp_id)))


def acknowledgements(session: Session, rfp_id: int) -> dict[int, AddendumAcknowledgement]:
    """addendum id -> this RFP's acknowledgement of it."""
    return {a.addendum_id: a for a in session.scalars(
        select(AddendumAcknowledgement).where(AddendumAcknowledgement.rfp_id == rfp_id))}


def ensure_acknowledged(session: Session, rfp: Rfp, action: str) -> int:
    """409 addendum_unacknowledged naming the missing numbers; else the latest number."""
    numbers = set(session.scalars(select(Addendum.number)
                                  .where(Addendum.workpackage_id == rfp.workpackage_id)))
    missing = sorted(numbers - acknowledged_numbers(session, rfp.id))
    if missing:
        names = ", ".join(str(n) for n in missing)
        raise Conflict(
            f"RFP {rfp.id} has {len(missing)} addend{'um' if len(missing) == 1 else 'a'} you "
            f"have not acknowledged (number {names}); {action} is refused until every addendum "
            "is acknowledged. Read them with getAddenda, then call acknowledgeAddendum for each.",
            code="addendum_unacknowledged",
            data={"missing": missing, "latestAddendum": max(numbers)})
    return max(numbers, default=0)


def earliest_deadline(now: datetime, min_notice: timedelta) -> datetime:
    """now + min_notice, rounded up to the whole second (deadlines are unix seconds)."""
    moment = now + min_notice
    return datetime.fromtimestamp(math.ceil(moment.timestamp()), UTC)


def check_late_change(now: datetime, current: datetime | None, new: datetime | None,
                      min_notice: timedelta) -> None:
    """An addendum must leave bidders at least ``min_notice`` before the deadline that follows it.

    Refused with 422 ``deadline_extension_required`` naming the earliest acceptable deadline."""
    resulting = new or current
    if resulting is None or resulting - now >= min_notice:
        return
    earliest = earliest_deadline(now, min_notice)
    hours = min_notice.total_seconds() / 3600
    told = "moves the deadline to" if new is not None else "leaves the deadline at"
    raise InvalidParameters(
        f"This addendum {told} {resulting.isoformat()}, less than {hours:g} hours after now: a "
        f"late change must give bidders time to react. Send 'deadline' at or after "
        f"{earliest.isoformat()} (unix {unix(earliest)}).",
        code="deadline_extension_required",
        data={"errors": [{"parameter": "deadline", "in": "query", "problem": "too_early",
                          "message": "must be at least the minimum notice after now",
                          "expected": f"unix seconds at or after {unix(earliest)}"}],
              "earliestDeadline": unix(earliest), "earliestDeadlineIso": earliest.isoformat(),
              "minNoticeSeconds": int(min_notice.total_seconds())})


def _apply_line_changes(session: Session, ctx: RequestContext, wp: Workpackage, company_id: int,
                        changes: list[LineChange]) -> list[dict[str, Any]]:
    """Make the changes through the budget-line services; return what each did."""
    done: list[dict[str, Any]] = []
    quantity_changed: list[int] = []
    seen: set[int] = set()
    for index, change in enumerate(changes):
        parameter = f"lines[{index}]"
        if change.action == "add":
            row = budget_setup.add_budget_lines(session, ctx, wp, company_id,
                                                [_checked(parameter, change.values)],
                                                source="addendum")[0]
            done.append({"action": "add", "budgetLineId": row.id, "after": _line_fields(row)})
            continue
        assert change.budget_line_id is not None
        if change.budget_line_id in seen:
            raise _invalid(parameter, f"budget line {change.budget_line_id} is changed twice",
                           "each budget line at most once per addendum")
        seen.add(change.budget_line_id)
        try:
            line = budget_setup.line_of(session, wp, change.budget_line_id)
        except NotFound as exc:
            exc.data["parameter"] = parameter
            raise
        before = _line_fields(line)
        if change.action == "remove":
            budget_setup.delete_budget_line(session, ctx, wp, line)
            done.append({"action": "remove", "budgetLineId": line.id, "before": before})
            continue
        new = _checked(parameter, {**before, **change.values})
        changed = budget_setup.update_budget_line(session, ctx, wp, line, new)
        if not changed:
            raise _invalid(parameter, f"budget line {line.id} already reads like this",
                           "at least one of code, description, quantity or unit different")
        if "quantity" in changed:
            quantity_changed.append(line.id)
        done.append({"action": "change", "budgetLineId": line.id, "changed": changed,
                     "before": before, "after": _line_fields(line)})
    if quantity_changed:
        # A price given for another quantity is no price for this one: the line is unpriced
        # again for every bidder (unchanged lines keep their drafts).
        session.execute(update(PriceEntry).where(PriceEntry.budget_line_id.in_(quantity_changed))
                        .values(unit_price=None, total_price=None, updated_at=ctx.now()))
    return done


def _checked(parameter: str, values: dict[str, Any]) -> NewLine:
    """The line by budget_setup's rules; 422 naming ``lines[i].field`` otherwise."""
    found = budget_setup.check_line(values)
    if isinstance(found, NewLine):
        return found
    error = budget_setup.line_refused(found)
    for item in error.data["errors"]:
        item["parameter"] = f"{parameter}.{item['parameter']}"
    error.detail = f"{parameter}.{error.detail}"
    error.args = (error.detail,)
    raise error


def _line_fields(line: BudgetLine) -> dict[str, Any]:
    return {"code": line.code, "description": line.description,
            "quantity": money.quantity_text(line.quantity), "unit": line.unit}


def _documents(session: Session, wp: Workpackage, ids: list[int]) -> list[dict[str, Any]]:
    """The tender documents (of the workpackage or its project) the addendum adds or replaces,
    pinned at their current version."""
    out = []
    for index, doc_id in enumerate(ids):
        doc = session.get(Document, doc_id)
        if (doc is None or doc.deleted_at is not None
                or not (doc.workpackage_id == wp.id or doc.project_id == wp.project_id)):
            raise NotFound(f"documentIds[{index}]: there is no tender document {doc_id} in "
                           f"workpackage {wp.id} or its project. Upload it first with "
                           "addDocument (or a new version with replacesDocumentId).",
                           code="not_found", data={"resource": "document", "id": doc_id,
                                                   "parameter": "documentIds"})
        out.append({"documentId": doc.id, "version": doc.current_version, "name": doc.name})
    return out


def _answered(session: Session, wp: Workpackage, ids: list[int]) -> list[Question]:
    questions = []
    for index, question_id in enumerate(ids):
        question = session.get(Question, question_id)
        if question is None or question.workpackage_id != wp.id:
            raise NotFound(f"answersQuestionIds[{index}]: there is no question {question_id} on "
                           f"workpackage {wp.id}.", code="not_found",
                           data={"resource": "question", "id": question_id,
                                 "parameter": "answersQuestionIds"})
        if question.state != QuestionState.OPEN:
            raise Conflict(f"answersQuestionIds[{index}]: question {question_id} is already "
                           f"{question.state.value}.", code="question_closed",
                           data={"questionId": question_id, "state": question.state.value})
        questions.append(question)
    return questions


def publish_addendum(session: Session, ctx: RequestContext, wp: Workpackage, company_id: int,
                     draft: AddendumDraft, *, min_notice: timedelta = DEFAULT_MIN_NOTICE
                     ) -> Addendum:
    """Publish the next addendum of ``wp`` (already scoped to ``company_id``): apply its changes,
    answer its questions, and tell every invitee."""
    rfps = list(session.scalars(select(Rfp).where(Rfp.workpackage_id == wp.id)
                                .order_by(Rfp.id).with_for_update()))
    decided = next((r for r in rfps if r.outcome is not None), None)
    if decided is not None:
        raise Conflict(f"Workpackage {wp.id} is decided (RFP {decided.id}: {decided.outcome}); "
                       "a decided tender takes no addenda. Write to the bidders through the "
                       "RFPs' messages.", code="workpackage_decided",
                       data={"rfpId": decided.id, "outcome": decided.outcome})
    now = ctx.now()
    previous = wp.deadline or wp.project.deadline_date
    if draft.new_deadline is not None and draft.new_deadline <= now:
        raise _invalid("deadline", "lies in the past", "a moment after now, in unix seconds")
    check_late_change(now, previous, draft.new_deadline, min_notice)
    number = latest_number(session, wp.id) + 1
    documents = _documents(session, wp, draft.document_ids)
    questions = _answered(session, wp, draft.answers)
    lines = _apply_line_changes(session, ctx, wp, company_id, draft.line_changes)
    if draft.new_deadline is not None:
        wp.deadline = draft.new_deadline
    changes: dict[str, Any] = {"lines": lines, "documents": documents,
                               "questions": [q.id for q in questions]}
    if draft.new_deadline is not None:
        changes["deadline"] = {"from": unix(previous) if previous else None,
                               "to": unix(draft.new_deadline)}
    addendum = Addendum(workpackage_id=wp.id, number=number, text=draft.text, changes=changes,
                        previous_deadline=previous, new_deadline=draft.new_deadline,
                        published_at=now, published_by_id=ctx.actor.id,
                        published_by_name=ctx.actor.name)
    session.add(addendum)
    session.flush()
    for question in questions:
        question.state = QuestionState.ANSWERED
        question.addendum_id = addendum.id
        question.answered_at = now
        question.answered_by_name = ctx.actor.name
    bump_workpackage(session, wp, now)
    announce_addendum(session, ctx, wp, addendum, rfps)
    return addendum


def announce_addendum(session: Session, ctx: RequestContext, wp: Workpackage, addendum: Addendum,
                      rfps: list[Rfp]) -> None:
    """The one place an addendum becomes known: a message on every invitee's RFP and the audit
    row (the events of issue 15 are written here too)."""
    deadline = effective_deadline_of(wp)
    text = (f"Addendum {addendum.number} to {wp.name}: {addendum.text}\n\n"
            + (f"The deadline is now {deadline.isoformat()}. " if addendum.new_deadline and deadline
               else "")
            + "Acknowledge this addendum (acknowledgeAddendum, or the button on the RFP) before "
              "you submit; a proposal you submitted earlier needs reconfirmation.")
    for rfp in rfps:
        if rfp.forwarded_to_company_id is not None:
            continue  # the company left this RFP; its partner has an RFP of its own
        message = Message(rfp_id=rfp.id, direction=MessageDirection.TO_SUBCONTRACTOR,
                          author_company_id=rfp.contractor_company_id,
                          author_contact_id=ctx.actor.id, author_name=ctx.actor.name,
                          text=text, sent_at=addendum.published_at)
        session.add(message)
        touch_rfp(rfp, addendum.published_at)
        session.flush()
        events.emit(session, ctx, "addendum.published", company_id=rfp.company_id,
                    subject_id=rfp.id, rfp_id=rfp.id,
                    data={"addendumNumber": addendum.number, "addendumId": addendum.id})
        events.emit(session, ctx, "message.received", company_id=rfp.company_id,
                    subject_id=message.id, rfp_id=rfp.id)
    record_event(session, ctx, "addendum.published", company_id=wp.project.company_id,
                 target_type="workpackage", target_id=wp.id,
                 target_label=f"{wp.name} addendum {addendum.number}",
                 data={"addendumId": addendum.id, "number": addendum.number,
                       "lineChanges": len(addendum.changes["lines"]),
                       "documents": len(addendum.changes["documents"]),
                       "questions": addendum.changes["questions"],
                       "newDeadline": unix(addendum.new_deadline)
                       if addendum.new_deadline else None,
                       "invitees": len(rfps)})
    session.flush()


def effective_deadline_of(wp: Workpackage) -> datetime | None:
    return wp.deadline or wp.project.deadline_date


def addendum_of(session: Session, rfp: Rfp, number: int) -> Addendum:
    addendum = session.scalar(select(Addendum).where(Addendum.workpackage_id == rfp.workpackage_id,
                                                     Addendum.number == number))
    if addendum is None:
        raise NotFound(f"RFP {rfp.id} has no addendum {number}. List them with getAddenda.",
                       code="not_found", data={"resource": "addendum", "number": number})
    return addendum


@dataclass(frozen=True)
class Acknowledged:
    addendum: Addendum
    acknowledgement: AddendumAcknowledgement
    created: bool  # False when it was acknowledged already (the first acknowledgement stands)


def acknowledge_addendum(session: Session, ctx: RequestContext, rfp: Rfp, number: int
                         ) -> Acknowledged:
    """Record that the subcontractor read addendum ``number`` of its (scoped, locked) RFP."""
    ensure_not_forwarded(rfp, "acknowledging an addendum")
    addendum = addendum_of(session, rfp, number)
    existing = session.scalar(select(AddendumAcknowledgement).where(
        AddendumAcknowledgement.rfp_id == rfp.id,
        AddendumAcknowledgement.addendum_id == addendum.id))
    if existing is not None:
        return Acknowledged(addendum, existing, created=False)
    now = ctx.now()
    ack = AddendumAcknowledgement(rfp_id=rfp.id, addendum_id=addendum.id, acknowledged_at=now,
                                  acknowledged_by_id=ctx.actor.id,
                                  acknowledged_by_name=ctx.actor.name)
    session.add(ack)
    touch_rfp(rfp, now)
    session.flush()
    data = {"rfpId": rfp.id, "addendumId": addendum.id, "number": addendum.number}
    for company_id in (rfp.company_id, rfp.contractor_company_id):
        record_event(session, ctx, "addendum.acknowledged", company_id=company_id,
                     target_type="rfp", target_id=rfp.id,
                     target_label=f"RFP {rfp.id} addendum {addendum.number}", data=data)
    return Acknowledged(addendum, ack, created=True)
