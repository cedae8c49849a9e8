"""A subcontractor's RFPs in order of change: keyset pages over (updated_at, id).

The index ix_rfps_company_updated (company_id, updated_at, id) serves every page, so a page
costs the same on the first call and the thousandth, whatever the size of the table.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, TypeVarTuple

from sqlalchemy import Integer, Select, bindparam, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bidbridge.errors import NotFound
from bidbridge.models import (
    Addendum,
    Company,
    Project,
    Proposal,
    ProposalState,
    Rfp,
    RfpResponse,
    RfpStatus,
    Workpackage,
)
from bidbridge.prepared import Prepared
from bidbridge.services import keyset
from bidbridge.services.scoping import MAX_ID

NO_RESPONSE = "none"
_Ts = TypeVarTuple("_Ts")


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


class RfpRow(NamedTuple):
    """One RFP of a page, as columns: the list reads no entity. (A tuple: a page makes up to
    200 of them, and a frozen dataclass's constructor costs three times as much.)"""

    rfp_id: int
    project_id: int
    workpackage_id: int
    status: RfpStatus
    status_shared: bool
    response: RfpResponse | None
    forwarded: bool
    updated_at: datetime
    project_name: str
    workpackage_code: str | None
    workpackage_name: str
    contractor_name: str
    deadline: datetime | None
    proposal_version: int | None
    latest_addendum: int = 0  # the number of the workpackage's latest addendum; 0: none
    outcome: str | None = None  # awarded, not_awarded, cancelled; None while undecided


@dataclass(frozen=True)
class RfpPage:
    rows: list[RfpRow]
    next_position: Position | None  # None: this was the last page


def list_rfps(conn: Connection, company_id: int, filters: RfpFilter, after: Position | None,
              limit: int) -> RfpPage:
    """One page of the company's RFPs, oldest change first, after ``after``: one prepared
    statement of columns (two with a projectId, whose project is checked first), built once per
    combination of filters with bind parameters for their values."""
    if filters.project_id is not None:
        ensure_known_project(conn, company_id, filters.project_id)
    shape = _Shape(status=filters.status is not None, response=_kind(filters.response),
                   since=filters.updated_since is not None,
                   project=filters.project_id is not None, outcome=_kind(filters.outcome),
                   after=after is not None)
    values: dict[str, Any] = {"company_id": company_id, "limit": limit}
    if filters.status is not None:
        values["status"] = filters.status
    if shape.response == "value":
        values["response"] = RfpResponse(str(filters.response))
    if filters.updated_since is not None:
        values["since"] = filters.updated_since
    if filters.project_id is not None:
        values["project_id"] = filters.project_id
    if shape.outcome == "value":
        values["outcome"] = filters.outcome
    if after is not None:
        values["after_at"], values["after_id"] = after.updated_at, after.rfp_id
    page = keyset.sliced(_page(shape).rows(conn, **values), limit)
    rows = [RfpRow(rfp_id, project_id, workpackage_id, status, status_shared, response,
                   forwarded_to is not None, updated_at, project_name, wp_code, wp_name,
                   contractor_name, wp_deadline or project_deadline, version, addendum or 0,
                   outcome)
            for (rfp_id, project_id, workpackage_id, status, status_shared, response,
                 forwarded_to, updated_at, project_name, project_deadline, wp_code, wp_name,
                 wp_deadline, contractor_name, version, addendum, outcome) in page.rows]
    last = rows[-1] if rows else None
    next_position = (Position(last.updated_at, last.rfp_id) if page.more and last is not None
                     else None)
    return RfpPage(rows=rows, next_position=next_position)


@dataclass(frozen=True)
class _Shape:
    """Which filters a page statement has (their values are bind parameters)."""

    status: bool
    response: str | None  # None, "none" (not answered) or "value"
    since: bool
    project: bool
    outcome: str | None  # None, "none" (undecided) or "value"
    after: bool


def _kind(value: str | None) -> str | None:
    return None if value is None else ("none" if value == NO_RESPONSE else "value")


@functools.cache
def _page(shape: _Shape) -> Prepared:
    query = _joined(select(*_PAGE_COLUMNS)).where(Rfp.company_id == bindparam("company_id"))
    if shape.status:
        query = query.where(Rfp.status_shared.is_(True), Rfp.status == bindparam("status"))
    if shape.response == "none":
        query = query.where(Rfp.response.is_(None))
    elif shape.response == "value":
        query = query.where(Rfp.response == bindparam("response"))
    if shape.since:
        query = query.where(Rfp.updated_at >= bindparam("since"))
    if shape.project:
        query = query.where(Rfp.project_id == bindparam("project_id"))
    if shape.outcome == "none":
        query = query.where(Rfp.outcome.is_(None))
    elif shape.outcome == "value":
        query = query.where(Rfp.outcome == bindparam("outcome"))
    key = (Rfp.updated_at, Rfp.id)
    if shape.after:
        query = keyset.after_position(query, key, (bindparam("after_at", type_=Rfp.updated_at.type),
                                                   bindparam("after_id", type_=Rfp.id.type)))
    return Prepared(keyset.ordered(query, key, bindparam("limit", type_=Integer())))


def filtered_rfps(company_id: int, filters: RfpFilter
                  ) -> Select[Rfp, str, datetime | None, str | None, str, datetime | None, str]:
    """The company's RFPs matching ``filters``, with project name and deadline, workpackage
    code, name and deadline, and contractor name (the API's list and the web's bid board)."""
    return _where(_joined(select(Rfp, Project.name, Project.deadline_date, Workpackage.code,
                                 Workpackage.name, Workpackage.deadline, Company.name)),
                  company_id, filters)


def _joined(query: Select[*_Ts]) -> Select[*_Ts]:
    """The RFP's project, workpackage and contractor, joined."""
    return (query.select_from(Rfp)
            .join(Project, Project.id == Rfp.project_id)
            .join(Workpackage, Workpackage.id == Rfp.workpackage_id)
            .join(Company, Company.id == Rfp.contractor_company_id))


def _where(query: Select[*_Ts], company_id: int, filters: RfpFilter
           ) -> Select[*_Ts]:
    query = query.where(Rfp.company_id == company_id)
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


# The current proposal's version beside each row (a scalar subquery on ix_proposals_rfp_id):
# one statement per page, not a second one for the versions.
_VERSION = (select(func.max(Proposal.version))
            .where(Proposal.rfp_id == Rfp.id, Proposal.state == ProposalState.SUBMITTED,
                   Proposal.superseded_at.is_(None))
            .correlate(Rfp).scalar_subquery())
# The workpackage's latest addendum number beside each row, likewise (0 when none: coalesced
# in Python, so the subquery stays a plain max on the addenda's workpackage index).
_ADDENDUM = (select(func.max(Addendum.number))
             .where(Addendum.workpackage_id == Rfp.workpackage_id)
             .correlate(Rfp).scalar_subquery())
_PAGE_COLUMNS = (Rfp.id, Rfp.project_id, Rfp.workpackage_id, Rfp.status, Rfp.status_shared,
                 Rfp.response, Rfp.forwarded_to_company_id, Rfp.updated_at, Project.name,
                 Project.deadline_date, Workpackage.code, Workpackage.name, Workpackage.deadline,
                 Company.name, _VERSION, _ADDENDUM, Rfp.outcome)


def ensure_known_project(db: Session | Connection, company_id: int, project_id: int) -> None:
    """A project the company has no RFP in does not exist for it: 404, as for any other id."""
    # Ids past the 32-bit columns cannot exist (and PostgreSQL would refuse to compare them).
    known = None if project_id > MAX_ID else db.scalar(
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
