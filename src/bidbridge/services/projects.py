"""A contractor's projects and workpackages: create, change, list; changes reach the RFPs' sync."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bidbridge.countries import COUNTRY_CODES
from bidbridge.errors import InvalidParameters
from bidbridge.models import BudgetLine, Document, Project, Rfp, Workpackage
from bidbridge.reference import BUILDING_SECTORS, CLASSIFICATION_SYSTEMS
from bidbridge.services import events
from bidbridge.services.audit import record_event
from bidbridge.services.context import RequestContext

# API parameter name -> Project attribute. The API names are the modelled platform's.
PROJECT_FIELDS: dict[str, str] = {
    "name": "name", "phaseId": "phase_id", "classificationSystems": "classification_systems",
    "calcNumber": "calc_number", "workNumber": "work_number", "status": "status",
    "address_1": "address_1", "address_2": "address_2", "zip": "zip", "city": "city",
    "countryCode": "country_code", "client": "client", "manager": "manager",
    "architect": "architect", "constructor": "constructor", "calculator": "calculator",
    "inkoper": "inkoper", "werkvoorbereider": "werkvoorbereider",
    "plannedStart": "planned_start", "plannedComplete": "planned_complete",
    "deadlineDate": "deadline_date", "questionsDate": "questions_date",
    "questionsTime": "questions_time", "updateDate": "update_date", "updateTime": "update_time",
    "tenderDate": "tender_date", "inspectionDate": "inspection_date", "reason": "reason",
    "buildingSectors": "building_sectors", "description": "description",
}
DATE_FIELDS = frozenset({"plannedStart", "plannedComplete", "deadlineDate", "questionsDate",
                         "updateDate", "tenderDate", "inspectionDate"})
# Project statuses: in tender, awarded to us, lost ("not scored"), closed, or none given.
PROJECT_STATUSES: tuple[str, ...] = ("active", "tender", "awarded", "not_scored", "closed", "none")


def invalid(parameter: str, message: str, expected: str) -> InvalidParameters:
    """A 422 in the same shape as the declared-parameter checks, for rules across values."""
    return InvalidParameters(f"{parameter}: {message}", data={"errors": [
        {"parameter": parameter, "in": "query", "problem": "invalid", "message": message,
         "expected": expected}]})


def _comma_list(parameter: str, text: str, allowed: tuple[str, ...]) -> str:
    """Normalise a comma list: known values only, each once, in the reference order."""
    given = [part.strip() for part in text.split(",")]
    unknown = [part for part in given if part not in allowed]
    if unknown:
        raise invalid(parameter, f"unknown value(s) {', '.join(map(repr, unknown))}",
                      "a comma list of: " + ", ".join(allowed))
    return ",".join(v for v in allowed if v in given)


def _attributes(values: dict[str, Any]) -> dict[str, Any]:
    """API values -> Project attributes, with the checks a pattern cannot express. None clears
    an optional field (a web form's emptied input)."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if value is None:
            if name in ("name", "status"):
                raise invalid(name, "may not be empty", "a value")
        elif name in DATE_FIELDS:
            value = datetime.fromtimestamp(value, UTC)
        elif name == "countryCode" and value not in COUNTRY_CODES:
            raise invalid(name, f"{value!r} is not an ISO 3166-1 alpha-2 country code",
                          "two capital letters of an assigned country, e.g. NL, BE, DE, AT")
        elif name == "classificationSystems":
            value = _comma_list(name, value, CLASSIFICATION_SYSTEMS)
        elif name == "buildingSectors":
            value = _comma_list(name, value, BUILDING_SECTORS)
        elif isinstance(value, str) and name != "description":
            value = value.strip()
        out[PROJECT_FIELDS[name]] = value
    return out


def _check_consistent(project: Project) -> None:
    if (project.planned_start and project.planned_complete
            and project.planned_complete < project.planned_start):
        raise invalid("plannedComplete", "lies before plannedStart",
                      "a moment at or after plannedStart")
    for time_name, date_name, time_attr, date_attr in (
            ("questionsTime", "questionsDate", "questions_time", "questions_date"),
            ("updateTime", "updateDate", "update_time", "update_date")):
        if getattr(project, time_attr) is not None and getattr(project, date_attr) is None:
            raise invalid(time_name, f"is an hour on {date_name}, which is not set",
                          f"{date_name} together with {time_name}")


def add_project(session: Session, ctx: RequestContext, company_id: int, values: dict[str, Any]
                ) -> Project:
    now = ctx.now()
    attributes = _attributes(values)
    attributes.setdefault("status", "active")
    project = Project(company_id=company_id, created_at=now, updated_at=now, **attributes)
    _check_consistent(project)
    session.add(project)
    session.flush()
    record_event(session, ctx, "project.created", company_id=company_id, target_type="project",
                 target_id=project.id, target_label=project.name,
                 data={"fields": sorted(values)})
    return project


def update_project(session: Session, ctx: RequestContext, project: Project,
                   values: dict[str, Any]) -> list[str]:
    """Apply the given fields; return the names of those that really changed."""
    if not values:
        raise InvalidParameters(
            "updateProject: no field to change was given. Send at least one of: "
            + ", ".join(PROJECT_FIELDS) + ".",
            data={"errors": [{"parameter": "(any project field)", "in": "query",
                              "problem": "missing", "message": "no field given"}]})
    changed = []
    for attr, value in _attributes(values).items():
        if getattr(project, attr) != value:
            setattr(project, attr, value)
            changed.append(next(k for k, v in PROJECT_FIELDS.items() if v == attr))
    _check_consistent(project)
    if changed:
        now = ctx.now()
        project.updated_at = max(now, project.updated_at)
        touch_rfps(session, now, project_id=project.id)
        record_event(session, ctx, "project.updated", company_id=project.company_id,
                     target_type="project", target_id=project.id, target_label=project.name,
                     data={"changed": changed})
        events.rfps_changed(session, ctx, changed, project_id=project.id)
    session.flush()
    return changed


def touch_rfps(session: Session, now: datetime, *, project_id: int | None = None,
               workpackage_id: int | None = None) -> int:
    """Move updatedAt of every RFP under a project or workpackage (scoping.touch_rfp, in bulk)."""
    condition = (Rfp.workpackage_id == workpackage_id if workpackage_id is not None
                 else Rfp.project_id == project_id)
    rows = list(session.scalars(select(Rfp).where(condition, Rfp.updated_at < now)))
    for rfp in rows:
        rfp.updated_at = now
    return len(rows)


def touch_project(project: Project, now: datetime) -> None:
    project.updated_at = max(now, project.updated_at)


def add_workpackage(session: Session, ctx: RequestContext, project: Project, *, name: str,
                    code: str | None = None, description: str | None = None,
                    deadline: int | None = None) -> Workpackage:
    now = ctx.now()
    wp = Workpackage(project_id=project.id, code=code, name=name.strip(),
                     description=description,
                     deadline=datetime.fromtimestamp(deadline, UTC) if deadline else None,
                     created_at=now, updated_at=now)
    session.add(wp)
    touch_project(project, now)
    session.flush()
    record_event(session, ctx, "workpackage.created", company_id=project.company_id,
                 target_type="workpackage", target_id=wp.id, target_label=wp.name,
                 data={"projectId": project.id})
    return wp


@dataclass(frozen=True)
class WorkpackageCounts:
    budget_lines: int
    documents: int
    rfps: int


def workpackage_counts(session: Session, wp_ids: list[int]) -> dict[int, WorkpackageCounts]:
    """Lines, current documents and RFPs per workpackage, in three grouped queries."""
    if not wp_ids:
        return {}

    def grouped(column: Any, *where: Any) -> dict[int, int]:
        rows = session.execute(select(column, func.count()).where(column.in_(wp_ids), *where)
                               .group_by(column))
        return {wp_id: count for wp_id, count in rows}

    lines = grouped(BudgetLine.workpackage_id, BudgetLine.deleted_at.is_(None))
    docs = grouped(Document.workpackage_id, Document.deleted_at.is_(None))
    rfps = grouped(Rfp.workpackage_id)
    return {i: WorkpackageCounts(lines.get(i, 0), docs.get(i, 0), rfps.get(i, 0)) for i in wp_ids}


def bump_workpackage(session: Session, wp: Workpackage, now: datetime) -> None:
    """Something under the workpackage changed: its, its project's and its RFPs' updatedAt move."""
    wp.updated_at = max(now, wp.updated_at)
    session.execute(update(Project).where(Project.id == wp.project_id, Project.updated_at < now)
                    .values(updated_at=now))
    touch_rfps(session, now, workpackage_id=wp.id)


def update_workpackage(session: Session, ctx: RequestContext, wp: Workpackage, *, name: str,
                       code: str | None, description: str | None, deadline: int | None
                       ) -> list[str]:
    """Set every field (a form sends them all); return the names of those that really changed."""
    wanted = {"name": name.strip(), "code": code, "description": description,
              "deadline": datetime.fromtimestamp(deadline, UTC) if deadline else None}
    changed = [field for field, value in wanted.items() if getattr(wp, field) != value]
    if not changed:
        return []
    for field in changed:
        setattr(wp, field, wanted[field])
    bump_workpackage(session, wp, ctx.now())
    session.flush()
    record_event(session, ctx, "workpackage.updated", company_id=wp.project.company_id,
                 target_type="workpackage", target_id=wp.id, target_label=wp.name,
                 data={"projectId": wp.project_id, "changed": changed})
    events.rfps_changed(session, ctx, changed, workpackage_id=wp.id)
    return changed
