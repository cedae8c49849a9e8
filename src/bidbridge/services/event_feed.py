"""Reading the change feed: ordered, gap-free, with a cursor; and purging events past retention.

Gap-free on PostgreSQL although transactions commit out of order: an event row carries its
writing transaction's id (``txid``). A reader first asks for the oldest transaction still in
flight (``pg_snapshot_xmin(pg_current_snapshot())``), then serves, in (txid, id) order, only
events whose txid is below it: every such transaction has finished, so no event can still
appear before the last one served. Events of a transaction still in flight wait — and so do
those of later transactions, even committed ones — until it ends. The two statements are
separate on purpose: a transaction below the xmin read first has finished before the feed query
takes its own snapshot, so its events are visible to it. On SQLite one writer at a time holds
the lock from BEGIN IMMEDIATE to commit, so ids are in commit order and txid is 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text, tuple_
from sqlalchemy.orm import Session

from bidbridge.errors import AppError
from bidbridge.models import Event


@dataclass(frozen=True)
class Position:
    """Where a reader stands: after event (txid, id). ``at`` dates the cursor for expiry."""

    txid: int
    id: int
    at: datetime


@dataclass(frozen=True)
class FeedFilter:
    types: tuple[str, ...] = ()
    subject_type: str | None = None
    subject_id: int | None = None
    rfp_id: int | None = None


@dataclass(frozen=True)
class FeedPage:
    rows: list[Event]
    next: Position
    more: bool


class CursorExpired(AppError):
    code = "cursor_expired"
    status = 410
    title = "Cursor expired"


def visible_below(session: Session) -> int | None:
    """The txid every served event must be below (PostgreSQL); None on SQLite (no limit)."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    return int(session.execute(
        text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")).scalar_one())


def read_feed(session: Session, company_id: int, after: Position | None, filters: FeedFilter,
              *, limit: int, now: datetime, retention_days: int) -> FeedPage:
    if after is not None and after.at < now - timedelta(days=retention_days):
        raise CursorExpired(
            f"This cursor is older than the {retention_days} days events are kept: events "
            "after it may be gone. Run a full sync (getRfps from the start), then follow the "
            "feed again from a cursor of getEvents without 'cursor'.",
            data={"retentionDays": retention_days})
    barrier = visible_below(session)
    query = select(Event).where(Event.company_id == company_id)
    if barrier is not None:
        query = query.where(Event.txid < barrier)
    if after is not None:
        query = query.where(tuple_(Event.txid, Event.id) > tuple_(after.txid, after.id))
    if filters.types:
        query = query.where(Event.type.in_(filters.types))
    if filters.subject_type is not None:
        query = query.where(Event.subject_type == filters.subject_type)
    if filters.subject_id is not None:
        query = query.where(Event.subject_id == filters.subject_id)
    if filters.rfp_id is not None:
        query = query.where(Event.rfp_id == filters.rfp_id)
    rows = list(session.scalars(query.order_by(Event.txid, Event.id).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    if more:
        last = rows[-1]
        return FeedPage(rows, Position(last.txid, last.id, last.occurred_at), True)
    # At the end: the cursor stays where the reader is, dated now (nothing after it was old).
    if rows:
        return FeedPage(rows, Position(rows[-1].txid, rows[-1].id, now), False)
    if after is not None:
        return FeedPage(rows, Position(after.txid, after.id, now), False)
    return FeedPage(rows, Position(0, 0, now), False)  # before every event still to come


def purge_events(session: Session, now: datetime, retention_days: int) -> int:
    """Delete events older than the retention (their deliveries go with them)."""
    cutoff = now - timedelta(days=retention_days)
    oldest = session.scalar(select(func.min(Event.occurred_at)))
    if oldest is None or oldest >= cutoff:
        return 0
    result = session.execute(delete(Event).where(Event.occurred_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
