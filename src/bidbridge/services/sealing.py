"""Sealed opening: a sealed workpackage's bids (prices, attachments, messages) stay unreadable to
the contractor until its deadline has passed; the first read after it records the opening once —
who, when, and how many bids."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bidbridge.clock import unix
from bidbridge.errors import Conflict
from bidbridge.models import BidOpening, ProposalState, Rfp, Workpackage
from bidbridge.services.audit import record_event
from bidbridge.services.comparison import latest_proposals
from bidbridge.services.context import RequestContext


def deadline_of(wp: Workpackage) -> datetime | None:
    return wp.deadline or wp.project.deadline_date


def opening_of(session: Session, wp: Workpackage) -> BidOpening | None:
    return session.scalar(select(BidOpening).where(BidOpening.workpackage_id == wp.id))


def is_readable(session: Session, wp: Workpackage) -> bool:
    """Whether the contractor may see the bids' contents: not sealed, or opened."""
    return not wp.sealed or opening_of(session, wp) is not None


def bid_count(session: Session, wp: Workpackage) -> int:
    """The RFPs whose newest proposal version stands (submitted, not withdrawn)."""
    rfp_ids = list(session.scalars(select(Rfp.id).where(Rfp.workpackage_id == wp.id)))
    return sum(1 for p in latest_proposals(session, rfp_ids).values()
               if p.state == ProposalState.SUBMITTED)


@dataclass(frozen=True)
class Opening:
    """A recorded opening, or the one a read is about to record (``new``)."""

    workpackage_id: int
    opened_at: datetime
    opened_by_name: str
    bid_count: int
    new: bool


def sealed_until_deadline(wp: Workpackage, deadline: datetime | None) -> Conflict:
    when = (f"until its deadline of {deadline.isoformat()} (unix {unix(deadline)})"
            if deadline else "until you give it a deadline")
    return Conflict(f"Workpackage {wp.id} is sealed: its bids cannot be read {when}. You can "
                    "see who submitted (getRfps); prices and attachments open after the deadline.",
                    code="sealed_until_deadline",
                    data={"workpackageId": wp.id, "deadline": unix(deadline) if deadline else None})


def ensure_readable(session: Session, ctx: RequestContext, wp: Workpackage) -> Opening | None:
    """None for an unsealed workpackage; 409 sealed_until_deadline before the deadline; after it
    the opening (already recorded, or to record with ``record_opening``)."""
    if not wp.sealed:
        return None
    found = opening_of(session, wp)
    if found is not None:
        return Opening(wp.id, found.opened_at, found.opened_by_name, found.bid_count, False)
    deadline = deadline_of(wp)
    now = ctx.now()
    if deadline is None or now < deadline:
        raise sealed_until_deadline(wp, deadline)
    return Opening(wp.id, now, ctx.actor.name, bid_count(session, wp), True)


def record_opening(session: Session, ctx: RequestContext, opening: Opening) -> None:
    """Write the opening once; a concurrent first read that won keeps its record."""
    if not opening.new:
        return
    row = BidOpening(workpackage_id=opening.workpackage_id, opened_at=opening.opened_at,
                     opened_by_id=ctx.actor.id, opened_by_name=opening.opened_by_name,
                     bid_count=opening.bid_count)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return
    wp = session.get(Workpackage, opening.workpackage_id)
    assert wp is not None
    record_event(session, ctx, "bids.opened", company_id=wp.project.company_id,
                 target_type="workpackage", target_id=wp.id, target_label=wp.name,
                 data={"bidCount": opening.bid_count, "openedAt": unix(opening.opened_at)})
