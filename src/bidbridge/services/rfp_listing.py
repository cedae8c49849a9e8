"""A subcontractor's RFPs in order of change: keyset pages over (updated_at, id).

The index ix_rfps_company_updated (company_id, updated_at, id) serves every page, so a page
costs the same on the first call and the thousandth, whatever the size of the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.orm import Session

from bidbridge.errors import NotFound
from bidbridge.models import (
    Company,
    Project,
    Proposal,
    ProposalState,
    Rfp,
    RfpResponse,
    RfpStatus,
    Workpackage,
)
from bidbridge.services.addenda import latest_numbers
from bidbridge.services.scoping import MAX_ID

NO_RESPONSE = "none"


@dataclass(frozen=True)
class RfpFilter:
    # Matches only a status the contractor shares: an internal status is never revealed, not even
    # by which filter value would find the RFP.
    status: RfpStatus | None = None
    response: str | None = None  # calculate, pending, decline, or "none" (not answered yet)
    updated_since: datetime | None = None
    project_id: int | None = None
    outcome: str | None = None  # awarded, not_awarded, cancelled, or "none" (no outcome yet)


@dataclass(frozen=True)
class Position:
    """Where the previous page ended: the last row's (updated_at, id)."""

    updated_at: datetime
    rfp_id: int


@dataclass(frozen=True)
class RfpRow:
    rfp: Rfp
    project_name: str
    workpackage_code: str | None
    workpackage_name: str
    contractor_name: str
    deadline: datetime | None
    proposal_version: int | None
    latest_addendum: int = 0  # the number of the workpackage's latest addendum; 0: none


@dataclass(frozen=True)
class RfpPage:
    rows: list[RfpRow]
    next_position: Position | None  # None: this was the last page


def list_rfps(session: Session, company_id: int, filters: RfpFilter, after: Position | None,
              limit: int) -> RfpPage:
    """One page of the company's RFPs, oldest change first, after ``after``."""
    if filters.project_id is not None:
        ensure_known_project(session, company_id, filters.project_id)
    query = filtered_rfps(company_id, filters)
    if after is not None:
        # A row value comparison walks the index from the cursor on (PostgreSQL and SQLite).
        query = query.where(tuple_(Rfp.updated_at, Rfp.id) > tuple_(after.updated_at,
                                                                     after.rfp_id))
    query = query.order_by(Rfp.updated_at, Rfp.id).limit(limit + 1)
    found = session.execute(query).all()
    more = len(found) > limit
    found = found[:limit]
    versions = current_proposal_versions(session, [r[0].id for r in found])
    addenda = latest_numbers(session, [r[0].workpackage_id for r in found])
    rows = [RfpRow(rfp=rfp, project_name=project_name, workpackage_code=wp_code,
                   workpackage_name=wp_name, contractor_name=contractor_name,
                   deadline=wp_deadline or project_deadline, proposal_version=versions.get(rfp.id),
                   latest_addendum=addenda.get(rfp.workpackage_id, 0))
            for rfp, project_name, project_deadline, wp_code, wp_name, wp_deadline,
            contractor_name in found]
    last = rows[-1].rfp if rows else None
    next_position = Position(last.updated_at, last.id) if more and last is not None else None
    return RfpPage(rows=rows, next_position=next_position)


def filtered_rfps(company_id: int, filters: RfpFilter
                  ) -> Select[Rfp, str, datetime | None, str | None, str, datetime | None, str]:
    """The company's RFPs matching ``filters``, with project name and deadline, workpackage
    code, name and deadline, and contractor name (the API's list and the web's bid board)."""
    query = (
        select(Rfp, Project.name, Project.deadline_date, Workpackage.code, Workpackage.name,
               Workpackage.deadline, Company.name)
        .join(Project, Project.id == Rfp.project_id)
        .join(Workpackage, Workpackage.id == Rfp.workpackage_id)
        .join(Company, Company.id == Rfp.contractor_company_id)
        .where(Rfp.company_id == company_id)
    )
    if filters.status is not None:
        query = query.where(Rfp.status_shared.is_(True), Rfp.status == filters.status)
    if filters.response == NO_RESPONSE:
        query = query.where(Rfp.response.is_(None))
    elif filters.response is not None:
        query = query.where(Rfp.response == RfpResponse(filters.response))
    if filters.updated_since is not None:
        query = query.where(Rfp.updated_at >= filters.updated_since)
    if filters.project_id is not None:
        query = query.where(Rfp.project_id == filters.project_id)
    if filters.outcome == NO_RESPONSE:
        query = query.where(Rfp.outcome.is_(None))
    elif filters.outcome is not None:
        query = query.where(Rfp.outcome == filters.outcome)
    return query


def ensure_known_project(session: Session, company_id: int, project_id: int) -> None:
    """A project the company has no RFP in does not exist for it: 404, as for any other id."""
    # Ids past the 32-bit columns cannot exist (and PostgreSQL would refuse to compare them).
    known = None if project_id > MAX_ID else session.scalar(
        select(Rfp.id).where(Rfp.company_id == company_id, Rfp.project_id == project_id).limit(1))
    if known is None:
        raise NotFound(f"There is no project {project_id} among your RFPs. Leave projectId out "
                       "to list all of them.", code="not_found",
                       data={"resource": "project", "id": project_id})


def current_proposal_versions(session: Session, rfp_ids: list[int]) -> dict[int, int]:
    """RFP id -> version of its current proposal: the newest submitted one, not withdrawn or
    superseded. RFPs without one are absent."""
    if not rfp_ids:
        return {}
    rows = session.execute(
        select(Proposal.rfp_id, func.max(Proposal.version))
        .where(Proposal.rfp_id.in_(rfp_ids), Proposal.state == ProposalState.SUBMITTED,
               Proposal.superseded_at.is_(None))
        .group_by(Proposal.rfp_id))
    return {rfp_id: version for rfp_id, version in rows}
