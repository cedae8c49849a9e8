"""A subcontractor's RFPs at a glance: how many per shared status and per response of ours, and
which open RFP's deadline comes next."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bidbridge.models import Project, Rfp, RfpResponse, RfpStatus, Workpackage

NOT_SHARED = "not_shared"
NO_RESPONSE = "none"


@dataclass(frozen=True)
class NextDeadline:
    rfp_id: int
    deadline: datetime


@dataclass(frozen=True)
class RfpSummary:
    total: int
    by_status: dict[str, int]  # every status value, and NOT_SHARED for a status kept internal
    by_response: dict[str, int]  # calculate, pending, decline and NO_RESPONSE
    next_deadline: NextDeadline | None


def rfp_summary(session: Session, company_id: int, now: datetime) -> RfpSummary:
    """Two statements. A status the contractor keeps internal is counted as NOT_SHARED, never
    under its value; the next deadline is the earliest effective one still ahead among RFPs not
    forwarded."""
    by_status = {s.value: 0 for s in RfpStatus} | {NOT_SHARED: 0}
    by_response = {r.value: 0 for r in RfpResponse} | {NO_RESPONSE: 0}
    rows = session.execute(
        select(Rfp.status, Rfp.status_shared, Rfp.response, func.count())
        .where(Rfp.company_id == company_id)
        .group_by(Rfp.status, Rfp.status_shared, Rfp.response))
    total = 0
    for status, shared, response, count in rows:
        total += count
        by_status[status.value if shared else NOT_SHARED] += count
        by_response[response.value if response else NO_RESPONSE] += count
    deadline = func.coalesce(Workpackage.deadline, Project.deadline_date)
    upcoming = session.execute(
        select(Rfp.id, deadline.label("deadline"))
        .join(Workpackage, Workpackage.id == Rfp.workpackage_id)
        .join(Project, Project.id == Rfp.project_id)
        .where(Rfp.company_id == company_id, Rfp.forwarded_to_company_id.is_(None),
               deadline > now)
        .order_by(deadline, Rfp.id).limit(1)).first()
    return RfpSummary(total=total, by_status=by_status, by_response=by_response,
                      next_deadline=NextDeadline(upcoming.id, upcoming.deadline)
                      if upcoming else None)
