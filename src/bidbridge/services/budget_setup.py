"""The contractor's bill of quantities: adding budget lines to a workpackage."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bidbridge.models import BudgetLine, Workpackage
from bidbridge.services.audit import record_event
from bidbridge.services.context import RequestContext
from bidbridge.services.projects import bump_workpackage


@dataclass(frozen=True)
class NewLine:
    description: str
    quantity: Decimal
    unit: str
    code: str | None = None


def add_budget_lines(session: Session, ctx: RequestContext, wp: Workpackage, company_id: int,
                     lines: list[NewLine]) -> list[BudgetLine]:
    """Append ``lines`` after the existing ones, in the given order."""
    now = ctx.now()
    last = session.scalar(select(func.max(BudgetLine.position))
                          .where(BudgetLine.workpackage_id == wp.id))
    start = -1 if last is None else last
    rows = [BudgetLine(workpackage_id=wp.id, code=line.code, description=line.description,
                       quantity=line.quantity, unit=line.unit, position=start + 1 + i,
                       created_at=now, updated_at=now) for i, line in enumerate(lines)]
    session.add_all(rows)
    bump_workpackage(session, wp, now)
    session.flush()
    record_event(session, ctx, "budget_lines.added", company_id=company_id,
                 target_type="workpackage", target_id=wp.id, target_label=wp.name,
                 data={"count": len(rows), "budgetLineIds": [r.id for r in rows]})
    return rows
