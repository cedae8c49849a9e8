"""The contractor's status of an RFP, its shared flag, and awarding a workpackage."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidbridge.errors import InvalidParameters
from bidbridge.models import Company, Message, MessageDirection, Rfp, RfpStatus
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


def _set(session: Session, ctx: RequestContext, rfp: Rfp, status: RfpStatus | None,
         shared: bool | None, data: dict[str, object]) -> bool:
    before = (rfp.status, rfp.status_shared)
    if status is not None:
        rfp.status = status
    if shared is not None:
        rfp.status_shared = shared
    if (rfp.status, rfp.status_shared) == before:
        return False
    touch_rfp(rfp, ctx.now())
    record_event(session, ctx, "rfp.status_changed", company_id=rfp.contractor_company_id,
                 target_type="rfp", target_id=rfp.id, target_label=f"RFP {rfp.id}",
                 data={"from": before[0].value, "to": rfp.status.value,
                       "shared": rfp.status_shared, **data})
    _tell_subcontractor(session, ctx, rfp, before)
    return True


OUTCOMES = (RfpStatus.AWARDED, RfpStatus.NOT_AWARDED)


def _tell_subcontractor(session: Session, ctx: RequestContext, rfp: Rfp,
                        before: tuple[RfpStatus, bool]) -> None:
    """An event only for what the subcontractor can see: a shared status, or one that stopped
    being shared (getRfp's status becomes null)."""
    was_seen = before[0] if before[1] else None
    seen = rfp.status if rfp.status_shared else None
    if seen == was_seen:
        return
    kind = "rfp.outcome" if seen in OUTCOMES else "rfp.changed"
    events.emit(session, ctx, kind, company_id=rfp.company_id, subject_id=rfp.id,
                rfp_id=rfp.id, data={"changed": ["status"]})


def set_status(session: Session, ctx: RequestContext, rfp: Rfp, *, status: RfpStatus | None,
               shared: bool | None, award_others: bool = False) -> StatusChange:
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
    result = StatusChange(rfp, _set(session, ctx, rfp, status, shared, {}))
    if rfp.status == RfpStatus.AWARDED:
        others = siblings(session, rfp)
        if award_others:
            for other in others:
                _set(session, ctx, other, RfpStatus.NOT_AWARDED, None,
                     {"reason": "awarded_to_other", "awardedRfpId": rfp.id})
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
