"""The contractor's lists: its projects, a project's documents, its RFPs. The contractor API and
the contractor's pages read them through here, so both always show the same rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bidbridge.models import Document, Project, Rfp, RfpStatus, Workpackage
from bidbridge.services import keyset

T = TypeVar("T")
Position = tuple[datetime, int]  # (updated_at, id): where a page ordered by change ended


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    more: bool  # another page follows

    @property
    def last_position(self) -> Position | None:
        if not self.more or not self.rows:
            return None
        last: Any = self.rows[-1]
        return last.updated_at, last.id


def _page(session: Session, query: Any, key: tuple[Any, Any], after: Position | None,
          limit: int) -> Page[Any]:
    found = keyset.fetch(session, query, key, after, limit)
    return Page(found.rows, found.more)


def list_projects(session: Session, company_id: int, *, status: str | None = None,
                  updated_since: datetime | None = None, after: Position | None = None,
                  limit: int = 50) -> Page[Project]:
    """The company's projects, ordered by change (oldest change first)."""
    query = select(Project).where(Project.company_id == company_id)
    if status:
        query = query.where(Project.status == status)
    if updated_since is not None:
        query = query.where(Project.updated_at >= updated_since)
    return _page(session, query, (Project.updated_at, Project.id), after, limit)


def recent_projects(session: Session, company_id: int, *, limit: int = 200) -> list[Project]:
    """The company's projects, the most recently changed first (the contractor's start page)."""
    return list(session.scalars(select(Project).where(Project.company_id == company_id)
                                .order_by(Project.updated_at.desc(), Project.id.desc())
                                .limit(limit)))


def project_documents(session: Session, project: Project) -> list[Document]:
    """The documents on the project itself (a workpackage's own are listed on it)."""
    return list(session.scalars(select(Document).where(Document.project_id == project.id,
                                                       Document.deleted_at.is_(None))
                                .order_by(Document.id)))


def workpackage_documents(session: Session, workpackage_id: int) -> list[Document]:
    return list(session.scalars(select(Document).where(Document.workpackage_id == workpackage_id,
                                                       Document.deleted_at.is_(None))
                                .order_by(Document.id)))


def list_rfps(session: Session, company_id: int, *, workpackage_id: int | None = None,
              project_id: int | None = None, status: RfpStatus | None = None,
              updated_since: datetime | None = None, after: Position | None = None,
              limit: int = 50) -> Page[Rfp]:
    """The RFPs of the contractor's projects, ordered by change. Ids are the caller's to scope."""
    query = select(Rfp).where(Rfp.contractor_company_id == company_id)
    if workpackage_id is not None:
        query = query.where(Rfp.workpackage_id == workpackage_id)
    if project_id is not None:
        query = query.where(Rfp.project_id == project_id)
    if status is not None:
        query = query.where(Rfp.status == status)
    if updated_since is not None:
        query = query.where(Rfp.updated_at >= updated_since)
    return _page(session, query, (Rfp.updated_at, Rfp.id), after, limit)


def workpackage_counts_by_project(session: Session, project_ids: list[int]) -> dict[int, int]:
    if not project_ids:
        return {}
    rows = session.execute(select(Workpackage.project_id, func.count())
                           .where(Workpackage.project_id.in_(project_ids))
                           .group_by(Workpackage.project_id))
    return {project_id: count for project_id, count in rows}
