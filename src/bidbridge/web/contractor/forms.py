"""Reading the contractor's forms: text, dates and choices into the values the services take,
each problem kept at its field so the page shows it there with what was typed."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.datastructures import FormData

from bidbridge.errors import AppError
from bidbridge.models import Project
from bidbridge.reference import BUILDING_SECTORS, CLASSIFICATION_SYSTEMS, PHASES
from bidbridge.services.projects import PROJECT_STATUSES

REASONS = ("prijsopgave", "aanbesteding", "start van het inkooptraject")
HOURS = tuple(str(h) for h in range(1, 24))


@dataclass
class Problems:
    """Field name -> what is wrong and what is expected."""

    fields: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, message)

    def __bool__(self) -> bool:
        return bool(self.fields)

    def absorb(self, exc: AppError, known: set[str]) -> str | None:
        """Put a service refusal at its fields; return what belongs to no field."""
        placed = False
        for error in exc.data.get("errors", []):
            name = error.get("parameter")
            if name in known:
                expected = error.get("expected")
                self.add(name, error.get("message", "invalid")
                         + (f"; expected {expected}" if expected else ""))
                placed = True
        return None if placed else exc.detail


def one_line(form: FormData, name: str, problems: Problems, *, max_length: int,
             required: bool = False, label: str = "This field") -> str | None:
    """A single-line text field: stripped, no control characters, at most ``max_length``."""
    raw = form.get(name)
    value = raw.strip() if isinstance(raw, str) else ""
    if not value:
        if required:
            problems.add(name, f"{label} is required.")
        return None
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        problems.add(name, "Use one line of text, without tabs or line breaks.")
    elif len(value) > max_length:
        problems.add(name, f"At most {max_length} characters ({len(value)} given).")
    return value


def long_text(form: FormData, name: str, problems: Problems, *, max_length: int = 10_000
              ) -> str | None:
    raw = form.get(name)
    value = raw.strip() if isinstance(raw, str) else ""
    if not value:
        return None
    if any(unicodedata.category(ch) == "Cc" and ch not in "\r\n\t" for ch in value):
        problems.add(name, "Contains control characters; type or paste plain text.")
    elif len(value) > max_length:
        problems.add(name, f"At most {max_length:,} characters ({len(value):,} given).")
    return value.replace("\r\n", "\n")


def moment(form: FormData, name: str, problems: Problems, *, with_time: bool) -> int | None:
    """A date (or date and time) input, read as UTC, as unix seconds."""
    raw = form.get(name)
    value = raw.strip() if isinstance(raw, str) else ""
    if not value:
        return None
    formats = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d") if with_time else ("%Y-%m-%d",)
    for fmt in formats:
        try:
            parsed = datetime.strptime(value, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
        if not 1970 < parsed.year < 2286:  # 10-digit unix seconds, as the API's dates
            break
        return int(parsed.timestamp())
    problems.add(name, "Expected a date like 2026-03-31" + (" 12:00" if with_time else "") + ".")
    return None


def choice(form: FormData, name: str, problems: Problems, options: tuple[str, ...]) -> str | None:
    raw = form.get(name)
    value = raw.strip() if isinstance(raw, str) else ""
    if not value:
        return None
    if value not in options:
        problems.add(name, "Choose one of the options.")
        return None
    return value


def choices(form: FormData, name: str, problems: Problems, options: tuple[str, ...]) -> str | None:
    """Checkboxes: a comma list in the reference order, or None when none is ticked."""
    given = [v for v in form.getlist(name) if isinstance(v, str)]
    if any(v not in options for v in given):
        problems.add(name, "Choose among the listed values.")
        return None
    return ",".join(v for v in options if v in given) or None


def html_date(value: datetime | None, *, with_time: bool) -> str:
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M" if with_time else "%Y-%m-%d")


def _column_length(attr: str) -> int:
    length = getattr(Project.__table__.c[attr].type, "length", None)
    return int(length or 200)


@dataclass(frozen=True)
class ProjectField:
    name: str  # the API's parameter name, also the form field's
    attr: str  # the Project attribute
    label: str
    kind: str = "text"  # text, date, datetime, select, checks, textarea, hour
    options: tuple[tuple[str, str], ...] = ()
    required: bool = False
    group: str = "Project"


def _opts(values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((v, v) for v in values)


PROJECT_FORM: tuple[ProjectField, ...] = (
    ProjectField("name", "name", "Name", required=True),
    ProjectField("status", "status", "Status", "select", _opts(PROJECT_STATUSES), True),
    ProjectField("phaseId", "phase_id", "Phase", "select",
                 tuple((str(p.id), f"{p.name} ({p.description})") for p in PHASES)),
    ProjectField("calcNumber", "calc_number", "Calculation number"),
    ProjectField("workNumber", "work_number", "Job number"),
    ProjectField("client", "client", "Client"),
    ProjectField("reason", "reason", "Reason", "select", _opts(REASONS)),
    ProjectField("description", "description", "Description for subcontractors", "textarea"),
    ProjectField("address_1", "address_1", "Address", group="Site"),
    ProjectField("address_2", "address_2", "Address, second line", group="Site"),
    ProjectField("zip", "zip", "Postal code", group="Site"),
    ProjectField("city", "city", "City", group="Site"),
    ProjectField("countryCode", "country_code", "Country code (NL, BE, DE, …)", group="Site"),
    ProjectField("deadlineDate", "deadline_date", "Proposal deadline (UTC)", "datetime",
                 group="Dates"),
    ProjectField("questionsDate", "questions_date", "Questions deadline", "date", group="Dates"),
    ProjectField("questionsTime", "questions_time", "Questions deadline, hour", "hour",
                 _opts(HOURS), group="Dates"),
    ProjectField("plannedStart", "planned_start", "Planned start", "date", group="Dates"),
    ProjectField("plannedComplete", "planned_complete", "Planned completion", "date",
                 group="Dates"),
    ProjectField("inspectionDate", "inspection_date", "Site visit", "date", group="Dates"),
    ProjectField("manager", "manager", "Project manager", group="People"),
    ProjectField("architect", "architect", "Architect", group="People"),
    ProjectField("calculator", "calculator", "Estimator", group="People"),
    ProjectField("inkoper", "inkoper", "Buyer", group="People"),
    ProjectField("werkvoorbereider", "werkvoorbereider", "Work planner", group="People"),
    ProjectField("buildingSectors", "building_sectors", "Building sectors", "checks",
                 _opts(BUILDING_SECTORS), group="Classification"),
    ProjectField("classificationSystems", "classification_systems", "Classification systems",
                 "checks", _opts(CLASSIFICATION_SYSTEMS), group="Classification"),
)
PROJECT_FIELD_NAMES = {f.name for f in PROJECT_FORM}


def read_project(form: FormData) -> tuple[dict[str, Any], Problems]:
    """Every field of the project form, API-named (None: left empty)."""
    problems = Problems()
    values: dict[str, Any] = {}
    for f in PROJECT_FORM:
        if f.kind == "text":
            values[f.name] = one_line(form, f.name, problems, max_length=_column_length(f.attr),
                                      required=f.required, label=f.label)
        elif f.kind == "textarea":
            values[f.name] = long_text(form, f.name, problems)
        elif f.kind in ("date", "datetime"):
            values[f.name] = moment(form, f.name, problems, with_time=f.kind == "datetime")
        elif f.kind == "checks":
            values[f.name] = choices(form, f.name, problems, tuple(v for v, _ in f.options))
        else:
            picked = choice(form, f.name, problems, tuple(v for v, _ in f.options))
            numeric = f.name in ("questionsTime", "phaseId")
            values[f.name] = int(picked) if picked is not None and numeric else picked
            if f.required and picked is None:
                problems.add(f.name, f"{f.label} is required.")
    if values.get("countryCode"):
        values["countryCode"] = str(values["countryCode"]).upper()
    return values, problems


def project_values(project: Project | None) -> dict[str, str | list[str]]:
    """What the form shows for a project (or a new one): strings, lists for checkboxes."""
    shown: dict[str, str | list[str]] = {}
    for f in PROJECT_FORM:
        value = getattr(project, f.attr) if project is not None else None
        if f.kind == "checks":
            shown[f.name] = [v for v in (value or "").split(",") if v]
        elif f.kind in ("date", "datetime"):
            shown[f.name] = html_date(value, with_time=f.kind == "datetime")
        else:
            shown[f.name] = "" if value is None else str(value)
    if project is None:
        shown["status"] = "active"
    return shown


def posted_values(form: FormData) -> dict[str, str | list[str]]:
    """What was typed, to show again beside the problems."""
    shown: dict[str, str | list[str]] = {}
    for f in PROJECT_FORM:
        if f.kind == "checks":
            shown[f.name] = [v for v in form.getlist(f.name) if isinstance(v, str)]
        else:
            raw = form.get(f.name)
            shown[f.name] = raw if isinstance(raw, str) else ""
    return shown
