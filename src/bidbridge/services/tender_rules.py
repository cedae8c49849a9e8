"""When a subcontractor may still change what it offers on an RFP: before the deadline, and
only while it has not handed the RFP to a partner."""

from __future__ import annotations

from datetime import datetime

from bidbridge.clock import unix
from bidbridge.errors import Conflict
from bidbridge.models import Rfp, RfpStatus
from bidbridge.services.scoping import effective_deadline

DECIDED = frozenset({RfpStatus.AWARDED, RfpStatus.NOT_AWARDED})


def ensure_before_deadline(rfp: Rfp, now: datetime, action: str) -> None:
    """409 deadline_passed at and after the deadline: a deadline of 12:00 refuses 12:00:00."""
    deadline = effective_deadline(rfp)
    if deadline is not None and now >= deadline:
        raise Conflict(
            f"The deadline of RFP {rfp.id} passed at {deadline.isoformat()} (unix "
            f"{unix(deadline)}); {action} is no longer possible. Ask the contractor through the "
            "RFP's messages whether a late proposal is welcome.",
            code="deadline_passed",
            data={"deadline": unix(deadline), "deadlineIso": deadline.isoformat()})


def ensure_not_forwarded(rfp: Rfp, action: str) -> None:
    if rfp.forwarded_to_company_id is not None:
        raise Conflict(
            f"RFP {rfp.id} was forwarded to a partner company; {action} is no longer possible "
            "for your company. The partner answers the contractor on its own RFP.",
            code="rfp_forwarded", data={"forwardedAt": unix(rfp.forwarded_at)
                                        if rfp.forwarded_at else None})


def ensure_not_decided(rfp: Rfp, action: str) -> None:
    """After the award the contractor's choice stands; new or withdrawn offers would confuse it."""
    if rfp.status in DECIDED:
        raise Conflict(
            f"The contractor already decided on RFP {rfp.id} (status {rfp.status.value}); "
            f"{action} is no longer possible. Use the RFP's messages to talk to the contractor.",
            code="rfp_decided", data={"rfpStatus": rfp.status.value})


def ensure_open(rfp: Rfp, now: datetime, action: str) -> None:
    ensure_not_forwarded(rfp, action)
    ensure_before_deadline(rfp, now, action)
