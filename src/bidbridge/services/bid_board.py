"""The bid board: every RFP a person's company received, filtered, searched, sorted and paged.

Built on the API's listing (services.rfp_listing.filtered_rfps: the same status, response and
project rules) and paged by keyset like getRfps: the cursor holds the last row's sort value and
id, so page 200 costs what page 1 costs.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal, or_, select
from sqlalchemy.orm import Session

from bidbridge.db import UTCDateTime
from bidbridge.errors import InvalidParameters
from bidbridge.models import Company, Project, Rfp, RfpStatus, Workpackage
from bidbridge.services import keyset
from bidbridge.services.message_reads import unread_counts
from bidbridge.services.rfp_access import Viewer, visible_rfps
from bidbridge.services.rfp_listing import (
    RfpFilter,
    current_proposal_versions,
    ensure_known_project,
    filtered_rfps,
)

# An RFP without any deadline sorts after every dated one.
NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)
DUE_SOON = timedelta(days=7)
MAX_TEXT = 100
SORTS = {
    "deadline": "deadline, soonest first",
    "-deadline": "deadline, latest first",
    "-updated": "last change, newest first",
    "project": "project name, A to Z",
}


@dataclass(frozen=True)
class BoardQuery:
    status: RfpStatus | None = None
    response: str | None = None  # calculate, pending, decline or "none"
    project_id: int | None = None
    within_days: int | None = None  # deadline from now to now + this many days
    text: str | None = None
    sort: str = "deadline"
    cursor: str | None = None
    limit: int = 50


@dataclass(frozen=True)
class BoardRow:
    rfp: Rfp
    project_name: str
    project_city: str | None
    workpackage_code: str | None
    workpackage_name: str
    contractor_name: str
    deadline: datetime | None
    proposal_version: int | None
    unread: int
    urgency: str | None  # "overdue", "due_soon" (within a week) or None

    @property
    def shared_status(self) -> RfpStatus | None:
        """The contractor's status only when it shares it; otherwise it stays internal."""
        return self.rfp.status if self.rfp.status_shared else None


@dataclass(frozen=True)
class BoardPage:
    rows: list[BoardRow]
    next_cursor: str | None
    matching: int  # RFPs matching the filters, over all pages
    projects: list[tuple[int, str]]  # for the project filter: every project with a visible RFP


def _problem(parameter: str, message: str, expected: str) -> InvalidParameters:
    return InvalidParameters(f"{parameter}: {message}", data={"errors": [{
        "parameter": parameter, "in": "query", "problem": "invalid", "message": message,
        "expected": expected}]})


def _deadline() -> ColumnElement[Any]:
    return func.coalesce(Workpackage.deadline, Project.deadline_date,
                         literal(NO_DEADLINE, UTCDateTime()), type_=UTCDateTime())


def _sort_key(sort: str) -> tuple[ColumnElement[Any], bool]:
    """(the sort expression, descending?)"""
    if sort == "deadline":
        return _deadline(), False
    if sort == "-deadline":
        return _deadline(), True
    if sort == "-updated":
        return Rfp.updated_at.expression, True
    return Project.name.expression, False


def encode_cursor(sort: str, value: Any, rfp_id: int) -> str:
    shown = value.isoformat() if isinstance(value, datetime) else value
    raw = json.dumps([sort, shown, rfp_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(sort: str, cursor: str) -> tuple[Any, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        given_sort, value, rfp_id = json.loads(raw)
        if given_sort != sort or not isinstance(rfp_id, int) or not isinstance(value, str):
            raise ValueError("another sort")
        return (datetime.fromisoformat(value) if sort != "project" else value), rfp_id
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise _problem("cursor", "this is not a page link of the bid board in this order",
                       "the 'Next page' link of the board; start again from the first page"
                       ) from exc


def _query(session: Session, viewer: Viewer, q: BoardQuery, now: datetime
           ) -> Select[Any]:
    if q.project_id is not None:
        ensure_known_project(session, viewer.company_id, q.project_id)
    listed = filtered_rfps(viewer.company_id, RfpFilter(status=q.status, response=q.response,
                                                        project_id=q.project_id))
    query: Select[Any] = listed.add_columns(Project.city).where(visible_rfps(viewer))
    if q.within_days is not None:
        query = query.where(_deadline() >= now, _deadline() < now + timedelta(days=q.within_days))
    if q.text:
        needle = q.text.lower()
        query = query.where(or_(*(func.lower(column).contains(needle, autoescape=True)
                                  for column in (Project.name, Project.city, Workpackage.name,
                                                 Workpackage.code, Company.name))))
    return query


def _urgency(deadline: datetime | None, now: datetime) -> str | None:
    if deadline is None:
        return None
    if deadline <= now:
        return "overdue"
    return "due_soon" if deadline - now <= DUE_SOON else None


def get_bid_board(session: Session, viewer: Viewer, q: BoardQuery, now: datetime) -> BoardPage:
    if q.sort not in SORTS:
        raise _problem("sort", f"{q.sort!r} is not an order of the board",
                       "one of " + ", ".join(SORTS))
    if q.text is not None and len(q.text) > MAX_TEXT:
        raise _problem("q", f"the search text is longer than {MAX_TEXT} characters",
                       f"at most {MAX_TEXT} characters")
    base = _query(session, viewer, q, now)
    key, descending = _sort_key(q.sort)
    after: tuple[Any, int] | None = None
    if q.cursor:
        value, after_id = decode_cursor(q.sort, q.cursor)
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        bound = literal(value, UTCDateTime()) if isinstance(value, datetime) else literal(value)
        after = (bound, after_id)
    sliced = keyset.fetch(session, base.add_columns(key.label("sort_value")), (key, Rfp.id),
                          after, q.limit, descending=descending, scalars=False)
    found, more = sliced.rows, sliced.more
    ids = [row[0].id for row in found]
    versions = current_proposal_versions(session, ids)
    unread = unread_counts(session, viewer.contact_id, viewer.company_id, ids)
    rows = []
    for rfp, project, p_deadline, wp_code, wp_name, wp_deadline, contractor, city, _ in found:
        deadline = wp_deadline or p_deadline
        rows.append(BoardRow(rfp, project, city, wp_code, wp_name, contractor, deadline,
                             versions.get(rfp.id), unread.get(rfp.id, 0),
                             _urgency(deadline, now)))
    next_cursor = None
    if more and found:
        last = found[-1]
        next_cursor = encode_cursor(q.sort, last[-1], last[0].id)
    # Counted over the same joins and conditions, selecting nothing but the count.
    matching = session.scalar(base.with_only_columns(func.count(Rfp.id)).order_by(None)) or 0
    return BoardPage(rows, next_cursor, matching, _projects(session, viewer))


def _projects(session: Session, viewer: Viewer) -> list[tuple[int, str]]:
    # The company's RFPs come from its index; only their few projects are then looked up.
    ids = select(Rfp.project_id).where(Rfp.company_id == viewer.company_id,
                                       visible_rfps(viewer)).distinct().scalar_subquery()
    rows = session.execute(select(Project.id, Project.name).where(Project.id.in_(ids))
                           .order_by(Project.name, Project.id))
    return [(pid, name) for pid, name in rows]
