"""The contractor's status of an RFP, its shared flag, and awarding a workpackage."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidbridge.errors import Conflict, InvalidParameters
from bidbridge.models import Company, Message, MessageDirection, Rfp, RfpStatus, Workpackage
from bidbridge.services import events
from bidbridge.services.audit import record_event
from bidbridge.services.context import RequestContext
from bidbridge.services.scoping import touch_rfp

THANK_YOU = ("Thank you for your proposal for {workpackage} ({project}). We have awarded this "
             "workpackage to another party. We hope to work with you on a next project.")


@dataclass
class StatusChange:
    rfp: Rfp
    changed: bool
    not_awarded: list[Rfp] = field(default_factory=list)  # siblings set to not awarded
    offers: list[Rfp] = field(default_factory=list)  # siblings that could be set


def siblings(session: Session, rfp: Rfp) -> list[Rfp]:
    """The other live RFPs of the workpackage: not already not-awarded, not forwarded away."""
    return list(session.scalars(
        select(Rfp).where(Rfp.workpackage_id == rfp.workpackage_id, Rfp.id != rfp.id,
                          Rfp.status != RfpStatus.NOT_AWARDED,
                          Rfp.forwarded_to_company_id.is_(None))
        .order_by(Rfp.id).with_for_update()))


OUTCOME_OF = {RfpStatus.AWARDED: "awarded", RfpStatus.NOT_AWARDED: "not_awarded"}


@dataclass(frozen=True)
class Decision:
    """What the contractor tells a bidder it did not choose: an optional reason and rank."""

    reason: str | None = None
    rank: int | None = None


def set_outcome(session: Session, ctx: RequestContext, rfp: Rfp, outcome: str | None,
                decision: Decision = Decision()) -> bool:
    """The one place an RFP's award outcome changes (issue 15's events go here too); the
    subcontractor sees it in getRfp/getRfps, the reason and rank only on its own RFP."""
    reason = decision.reason if outcome in ("not_awarded", "cancelled") else None
    rank = decision.rank if outcome == "not_awarded" else None
    if (rfp.outcome, rfp.outcome_reason, rfp.outcome_rank) == (outcome, reason, rank):
        return False
    before = rfp.outcome
    rfp.outcome, rfp.outcome_reason, rfp.outcome_rank = outcome, reason, rank
    rfp.outcome_at = ctx.now() if outcome is not None else None
    touch_rfp(rfp, ctx.now())
    data = {"rfpId": rfp.id, "from": before, "to": outcome, "rank": rank}
    record_event(session, ctx, "rfp.outcome_set", company_id=rfp.contractor_company_id,
                 target_type="rfp", target_id=rfp.id, target_label=f"RFP {rfp.id}", data=data)
    # The bidder's own trail holds its outcome, never the others'.
    record_event(session, ctx, "rfp.outcome_set", company_id=rfp.company_id, target_type="rfp",
                 target_id=rfp.id, target_label=f"RFP {rfp.id}", data=data)
    events.emit(session, ctx, "rfp.outcome", company_id=rfp.company_id, subject_id=rfp.id,
                rfp_id=rfp.id, data={"outcome": outcome})
    return True


def _set(session: Session, ctx: RequestContext, rfp: Rfp, status: RfpStatus | None,
         shared: bool | None, data: dict[str, object], decision: Decision = Decision()) -> bool:
    before = (rfp.status, rfp.status_shared)
    if status is not None:
        rfp.status = status
    if shared is not None:
        rfp.status_shared = shared
    outcome_changed = False
    if status is not None:
        outcome_changed = set_outcome(session, ctx, rfp, OUTCOME_OF.get(rfp.status), decision)
    if (rfp.status, rfp.status_shared) == before:
        return outcome_changed
    touch_rfp(rfp, ctx.now())
    record_event(session, ctx, "rfp.status_changed", company_id=rfp.contractor_company_id,
                 target_type="rfp", target_id=rfp.id, target_label=f"RFP {rfp.id}",
                 data={"from": before[0].value, "to": rfp.status.value,
                       "shared": rfp.status_shared, **data})
    _tell_subcontractor(session, ctx, rfp, before)
    return True


def _tell_subcontractor(session: Session, ctx: RequestContext, rfp: Rfp,
                        before: tuple[RfpStatus, bool]) -> None:
    """An event only for what the subcontractor can see: a shared status, or one that stopped
    being shared (getRfp's status becomes null)."""
    was_seen = before[0] if before[1] else None
    seen = rfp.status if rfp.status_shared else None
    if seen == was_seen or seen in (RfpStatus.AWARDED, RfpStatus.NOT_AWARDED):
        return  # a decision is rfp.outcome, sent by set_outcome (shared status or not)
    events.emit(session, ctx, "rfp.changed", company_id=rfp.company_id, subject_id=rfp.id,
                rfp_id=rfp.id, data={"changed": ["status"]})


def set_status(session: Session, ctx: RequestContext, rfp: Rfp, *, status: RfpStatus | None,
               shared: bool | None, award_others: bool = False,
               decision: Decision = Decision()) -> StatusChange:
    """Change status and/or shared flag; awarding with ``award_others`` closes the siblings."""
    if status is None and shared is None:
        raise InvalidParameters(
            "setRfpStatus: send status, shared or both.",
            data={"errors": [{"parameter": "status", "in": "query", "problem": "missing",
                              "message": "neither status nor shared was given"}]})
    if award_others and status != RfpStatus.AWARDED:
        raise InvalidParameters(
            "awardOthers: only together with status=awarded.",
            data={"errors": [{"parameter": "awardOthers", "in": "query", "problem": "invalid",
                              "message": "only with status=awarded",
                              "expected": "0, or 1 with status=awarded"}]})
    if (decision.reason or decision.rank) and status != RfpStatus.NOT_AWARDED and not award_others:
        raise InvalidParameters(
            "reason and rank: only with status=not_awarded, or with awardOthers=1 (then they "
            "go to every other RFP).",
            data={"errors": [{"parameter": "reason", "in": "query", "problem": "invalid",
                              "message": "only with status=not_awarded or awardOthers=1",
                              "expected": "status=not_awarded, or awardOthers=1"}]})
    own = decision if status == RfpStatus.NOT_AWARDED else Decision()
    result = StatusChange(rfp, _set(session, ctx, rfp, status, shared, {}, own))
    if rfp.status == RfpStatus.AWARDED:
        others = siblings(session, rfp)
        if award_others:
            for other in others:
                _set(session, ctx, other, RfpStatus.NOT_AWARDED, None,
                     {"reason": "awarded_to_other", "awardedRfpId": rfp.id},
                     Decision(decision.reason))
                _thank(session, ctx, other)
            result.not_awarded = others
        else:
            result.offers = others
    session.flush()
    return result


def _thank(session: Session, ctx: RequestContext, rfp: Rfp) -> None:
    contractor = session.get(Company, rfp.contractor_company_id)
    assert contractor is not None
    text = THANK_YOU.format(workpackage=rfp.workpackage.name, project=rfp.project.name)
    message = Message(rfp_id=rfp.id, direction=MessageDirection.TO_SUBCONTRACTOR,
                      author_company_id=contractor.id, author_contact_id=ctx.actor.id,
                      author_name=ctx.actor.name, text=text, sent_at=ctx.now())
    session.add(message)
    session.flush()
    record_event(session, ctx, "message.sent", company_id=contractor.id, target_type="message",
                 target_id=message.id, target_label=f"RFP {rfp.id}",
                 data={"rfpId": rfp.id, "kind": "thank_you"})
    events.emit(session, ctx, "message.received", company_id=rfp.company_id,
                subject_id=message.id, rfp_id=rfp.id)


CANCELLED = ("The contractor cancelled the tender for {workpackage} ({project}); no proposal will "
             "be awarded.{reason}")


def cancel_workpackage(session: Session, ctx: RequestContext, wp: Workpackage,
                       reason: str | None) -> list[Rfp]:
    """Every RFP of the (scoped) workpackage gets the outcome cancelled and a message."""
    rfps = list(session.scalars(select(Rfp).where(Rfp.workpackage_id == wp.id)
                                .order_by(Rfp.id).with_for_update()))
    decided = [r for r in rfps if r.outcome in ("awarded", "not_awarded")]
    if decided:
        raise Conflict(f"Workpackage {wp.id} was awarded already (RFP {decided[0].id}); a "
                       "decided tender cannot be cancelled.", code="workpackage_decided",
                       data={"rfpId": decided[0].id})
    changed = []
    for rfp in rfps:
        if rfp.forwarded_to_company_id is not None:
            continue
        if set_outcome(session, ctx, rfp, "cancelled", Decision(reason)):
            changed.append(rfp)
            text = CANCELLED.format(workpackage=wp.name, project=wp.project.name,
                                    reason=f" Reason: {reason}" if reason else "")
            message = Message(rfp_id=rfp.id, direction=MessageDirection.TO_SUBCONTRACTOR,
                              author_company_id=rfp.contractor_company_id,
                              author_contact_id=ctx.actor.id, author_name=ctx.actor.name,
                              text=text, sent_at=ctx.now())
            session.add(message)
            session.flush()
            events.emit(session, ctx, "message.received", company_id=rfp.company_id,
                        subject_id=message.id, rfp_id=rfp.id)
    record_event(session, ctx, "workpackage.cancelled", company_id=wp.project.company_id,
                 target_type="workpackage", target_id=wp.id, target_label=wp.name,
                 data={"rfps": [r.id for r in changed], "reason": reason})
    session.flush()
    return changed
