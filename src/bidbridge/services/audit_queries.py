"""Reading the audit trail: domain events and API request rows, filtered and paged by id.

Every query is scoped: a company's administrators pass their company id; only support passes
``AuditScope.everything()``. Pages are keyset pages, newest first (``before`` = last id seen).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from bidbridge.errors import InvalidParameters
from bidbridge.models import ApiRequest, AuditEvent
from bidbridge.services import keyset

PAGE_SIZE = 100
_STATUS = re.compile(r"^([1-5])(\d\d|xx)$")


@dataclass(frozen=True)
class AuditScope:
    """Whose rows: one company's, or (support only) every company's."""

    company_id: int | None
    all_companies: bool = False

    @classmethod
    def company(cls, company_id: int) -> AuditScope:
        return cls(company_id=company_id)

    @classmethod
    def everything(cls, company_id: int | None = None) -> AuditScope:
        """Support's view; ``company_id`` narrows it to one company when given."""
        return cls(company_id=company_id, all_companies=company_id is None)


@dataclass(frozen=True)
class AuditFilter:
    name: str = ""  # event name or function name; a prefix ("api_key." matches all key events)
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    status: str = ""  # requests only: "401" or a class like "4xx"


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    next_before: int | None  # pass as ``before`` for the next (older) page; None at the end


def parse_filter(name: str, date_from: str, date_to: str, status: str) -> AuditFilter:
    """Build a filter from form text; every bad value is named in one 422 error."""
    problems: list[dict[str, str]] = []

    def day(field: str, value: str) -> date | None:
        if not value.strip():
            return None
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            problems.append({"name": field, "expected": "a date like 2026-11-27"})
            return None

    start, end = day("from", date_from), day("to", date_to)
    if "\x00" in name:
        problems.append({"name": "name", "expected": "text without a NUL character"})
    status = status.strip().lower()
    if status and not _STATUS.match(status):
        problems.append({"name": "status", "expected": "an HTTP status like 401 or a class like 4xx"})
    if start and end and start > end:
        problems.append({"name": "to", "expected": "a date on or after 'from'"})
    if problems:
        detail = "; ".join(f"{p['name']}: expected {p['expected']}" for p in problems)
        raise InvalidParameters(f"Check the filters — {detail}.", data={"parameters": problems})
    return AuditFilter(name=name.strip()[:64], date_from=start, date_to=end, status=status)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _scoped(query: Select[Any], column: Any, scope: AuditScope) -> Select[Any]:
    if scope.company_id is not None:
        return query.where(column == scope.company_id)
    if not scope.all_companies:
        raise ValueError("an audit query needs a company, or the all-companies scope of support")
    return query


def _events_query(scope: AuditScope, f: AuditFilter) -> Select[Any]:
    query = _scoped(select(AuditEvent), AuditEvent.company_id, scope)
    if f.name:
        query = query.where(AuditEvent.event.startswith(f.name, autoescape=True))
    if f.date_from:
        query = query.where(AuditEvent.occurred_at >= _start_of(f.date_from))
    if f.date_to:
        query = query.where(AuditEvent.occurred_at < _start_of(f.date_to + timedelta(days=1)))
    return query


def _requests_query(scope: AuditScope, f: AuditFilter) -> Select[Any]:
    query = _scoped(select(ApiRequest), ApiRequest.company_id, scope)
    if f.name:
        query = query.where(ApiRequest.function.startswith(f.name, autoescape=True))
    if f.date_from:
        query = query.where(ApiRequest.occurred_at >= _start_of(f.date_from))
    if f.date_to:
        query = query.where(ApiRequest.occurred_at < _start_of(f.date_to + timedelta(days=1)))
    if f.status:
        if f.status.endswith("xx"):
            low = int(f.status[0]) * 100
            query = query.where(ApiRequest.status >= low, ApiRequest.status < low + 100)
        else:
            query = query.where(ApiRequest.status == int(f.status))
    return query


def _page(session: Session, query: Select[Any], id_column: Any, before: int | None,
          limit: int) -> Page:
    found = keyset.fetch(session, query, (id_column,), (before,) if before is not None else None,
                         limit, descending=True)
    rows = found.rows
    return Page(rows=rows, next_before=rows[-1].id if found.more and rows else None)


def list_events(session: Session, scope: AuditScope, f: AuditFilter, *,
                before: int | None = None, limit: int = PAGE_SIZE) -> Page:
    return _page(session, _events_query(scope, f), AuditEvent.id, before, limit)


def list_requests(session: Session, scope: AuditScope, f: AuditFilter, *,
                  before: int | None = None, limit: int = PAGE_SIZE) -> Page:
    return _page(session, _requests_query(scope, f), ApiRequest.id, before, limit)


def iter_all(session: Session, kind: str, scope: AuditScope, f: AuditFilter,
             batch: int = 500) -> Iterator[Any]:
    """Every matching row, newest first, fetched in keyset batches (for CSV export)."""
    lister = list_events if kind == "events" else list_requests
    before: int | None = None
    while True:
        page = lister(session, scope, f, before=before, limit=batch)
        yield from page.rows
        session.expunge_all()
        if page.next_before is None:
            return
        before = page.next_before


EVENT_COLUMNS = ["id", "occurred_at", "event", "company_id", "actor_kind", "actor_id",
                 "actor_name", "target_type", "target_id", "target_label", "request_id",
                 "client_ip", "data"]
REQUEST_COLUMNS = ["id", "occurred_at", "request_id", "api", "function", "method", "path",
                   "company_id", "contact_id", "contact_name", "template_params", "query_params",
                   "status", "error_code", "duration_ms", "client_ip", "user_agent"]


@dataclass(frozen=True)
class ApiAuditPage:
    rows: list[Any]  # AuditEvent or ApiRequest rows, oldest first
    more: bool  # another page follows the last row


def api_audit_page(session: Session, company_id: int, *, requests: bool, since: datetime | None,
                   until: datetime | None, after_id: int | None, limit: int) -> ApiAuditPage:
    """getAuditLog's page: one company's events (or API calls), oldest first, ``limit`` rows
    after ``after_id``, within [since, until)."""
    model: Any = ApiRequest if requests else AuditEvent
    query = select(model).where(model.company_id == company_id)
    if since is not None:
        query = query.where(model.occurred_at >= since)
    if until is not None:
        query = query.where(model.occurred_at < until)
    found = keyset.fetch(session, query, (model.id,),
                         (after_id,) if after_id is not None else None, limit)
    return ApiAuditPage(rows=found.rows, more=found.more)
