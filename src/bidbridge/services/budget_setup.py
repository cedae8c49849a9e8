"""The contractor's bill of quantities: the rules for one budget line, and adding, changing,
reordering and deleting lines of a workpackage. Every change reaches the RFPs' sync."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bidbridge.errors import InvalidParameters, NotFound
from bidbridge.models import BudgetLine, Workpackage
from bidbridge.services import events
from bidbridge.services.audit import record_event
from bidbridge.services.bill import next_positions
from bidbridge.services.context import RequestContext
from bidbridge.services.projects import bump_workpackage


class BudgetLineInput(BaseModel):
    """One budget line as any edge sends it (API JSON, a web form, a spreadsheet row)."""

    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, StringConstraints(max_length=64, pattern=r"^[A-Za-z0-9._/ -]*$")] | None \
        = None
    description: Annotated[str, StringConstraints(min_length=1, max_length=2000,
                                                  strip_whitespace=True)]
    # Exact decimals: JSON numbers arrive as Decimal (never float); strings like "12.5" too.
    # GAEB's limit (8 digits before the point, 3 after), so every bill can be written as X83.
    quantity: Annotated[Decimal, Field(ge=0, le=Decimal("99999999.999"), decimal_places=3,
                                       allow_inf_nan=False)]
    unit: Annotated[str, StringConstraints(min_length=1, max_length=32, strip_whitespace=True)]


# What each field takes, in words, for error messages that say how to fix the value.
EXPECTED: dict[str, str] = {
    "code": "letters, digits and . _ / - or spaces, up to 64 characters (optional)",
    "description": "text of 1 to 2,000 characters",
    "quantity": "a number from 0 to 99999999.999 with up to 3 decimals, e.g. 120.5",
    "unit": "text of 1 to 32 characters, e.g. m2",
}


@dataclass(frozen=True)
class NewLine:
    description: str
    quantity: Decimal
    unit: str
    code: str | None = None


@dataclass(frozen=True)
class LineProblem:
    field: str
    message: str
    expected: str


def check_line(values: dict[str, Any]) -> NewLine | list[LineProblem]:
    """Judge one line by the rules above: the line, or every problem with its field."""
    try:
        line = BudgetLineInput.model_validate(values)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "line"
            problems.append(LineProblem(name, error["msg"], EXPECTED.get(name, "")))
        return problems
    return NewLine(line.description, line.quantity, line.unit, line.code or None)


def line_refused(problems: list[LineProblem]) -> InvalidParameters:
    first = problems[0]
    return InvalidParameters(
        f"{first.field}: {first.message}; expected {first.expected}.",
        data={"errors": [{"parameter": p.field, "in": "query", "problem": "invalid",
                          "message": p.message, "expected": p.expected} for p in problems]})


def live_lines(session: Session, wp_id: int) -> list[BudgetLine]:
    """The workpackage's lines in their order, deleted ones left out."""
    return list(session.scalars(select(BudgetLine).where(
        BudgetLine.workpackage_id == wp_id, BudgetLine.deleted_at.is_(None))
        .order_by(BudgetLine.position, BudgetLine.id)))


def line_of(session: Session, wp: Workpackage, line_id: int) -> BudgetLine:
    """A live line of this (already scoped) workpackage; any other id is not found."""
    line = session.get(BudgetLine, line_id)
    if line is None or line.workpackage_id != wp.id or line.deleted_at is not None:
        raise NotFound(f"There is no budget line {line_id} in workpackage {wp.id}.",
                       code="not_found", data={"resource": "budget_line", "id": line_id})
    return line


def add_budget_lines(session: Session, ctx: RequestContext, wp: Workpackage, company_id: int,
                     lines: list[NewLine], *, source: str | None = None) -> list[BudgetLine]:
    """Append ``lines`` after the existing ones, in the given order."""
    now = ctx.now()
    last = session.scalar(select(func.max(BudgetLine.position))
                          .where(BudgetLine.workpackage_id == wp.id))
    start = -1 if last is None else last
    # In a bill of quantities, new lines are normal items under its last title.
    section_id, ozs = next_positions(session, wp.id, len(lines), now)
    rows = [BudgetLine(workpackage_id=wp.id, code=line.code, description=line.description,
                       quantity=line.quantity, unit=line.unit, position=start + 1 + i,
                       section_id=section_id, oz=ozs[i] if ozs else None, item_type="normal",
                       created_at=now, updated_at=now) for i, line in enumerate(lines)]
    session.add_all(rows)
    bump_workpackage(session, wp, now)
    session.flush()
    data: dict[str, Any] = {"count": len(rows), "budgetLineIds": [r.id for r in rows]}
    if source:
        data["source"] = source
    record_event(session, ctx, "budget_lines.added", company_id=company_id,
                 target_type="workpackage", target_id=wp.id, target_label=wp.name, data=data)
    events.rfps_changed(session, ctx, ["budgetLines"], workpackage_id=wp.id)
    return rows


def update_budget_line(session: Session, ctx: RequestContext, wp: Workpackage, line: BudgetLine,
                       new: NewLine) -> list[str]:
    """Change a line's fields; return the names of those that really changed."""
    changed = [name for name in ("code", "description", "quantity", "unit")
               if getattr(line, name) != getattr(new, name)]
    if not changed:
        return []
    now = ctx.now()
    for name in changed:
        setattr(line, name, getattr(new, name))
    line.updated_at = now
    bump_workpackage(session, wp, now)
    session.flush()
    record_event(session, ctx, "budget_line.updated", company_id=wp.project.company_id,
                 target_type="budget_line", target_id=line.id, target_label=line.description[:200],
                 data={"workpackageId": wp.id, "changed": changed})
    events.rfps_changed(session, ctx, ["budgetLines"], workpackage_id=wp.id)
    return changed


def move_budget_line(session: Session, ctx: RequestContext, wp: Workpackage, line: BudgetLine,
                     offset: int) -> bool:
    """Move a line ``offset`` places up (negative) or down; False when it is already at the end."""
    lines = live_lines(session, wp.id)
    index = next(i for i, row in enumerate(lines) if row.id == line.id)
    target = min(max(index + offset, 0), len(lines) - 1)
    if target == index:
        return False
    lines.insert(target, lines.pop(index))
    now = ctx.now()
    for position, row in enumerate(lines):
        if row.position != position:
            row.position = position
            row.updated_at = now
    bump_workpackage(session, wp, now)
    session.flush()
    record_event(session, ctx, "budget_lines.reordered", company_id=wp.project.company_id,
                 target_type="workpackage", target_id=wp.id, target_label=wp.name,
                 data={"budgetLineId": line.id, "from": index + 1, "to": target + 1})
    events.rfps_changed(session, ctx, ["budgetLines"], workpackage_id=wp.id)
    return True


def delete_budget_line(session: Session, ctx: RequestContext, wp: Workpackage,
                       line: BudgetLine) -> None:
    """Tombstone the line: proposals already submitted keep their snapshot of it."""
    now = ctx.now()
    line.deleted_at = now
    line.updated_at = now
    bump_workpackage(session, wp, now)
    session.flush()
    record_event(session, ctx, "budget_line.deleted", company_id=wp.project.company_id,
                 target_type="budget_line", target_id=line.id, target_label=line.description[:200],
                 data={"workpackageId": wp.id, "code": line.code})
    events.rfps_changed(session, ctx, ["budgetLines"], workpackage_id=wp.id)
