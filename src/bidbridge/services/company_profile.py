"""The company profile fields a company may change itself (name and CoC number come from the
chamber of commerce registration and are changed through support)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bidbridge.models import Company
from bidbridge.services.audit import record_event
from bidbridge.services.context import RequestContext

EDITABLE = ("address_1", "address_2", "zip", "city", "country_code", "phone", "website")


def update_company(session: Session, ctx: RequestContext, company_id: int,
                   changes: dict[str, Any]) -> Company:
    """Apply ``changes`` (keys from EDITABLE); only fields whose value differs are recorded."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    company = session.get(Company, company_id, with_for_update=True)
    assert company is not None
    changed = {}
    for field, value in changes.items():
        old = getattr(company, field)
        if old != value:
            changed[field] = {"old": old, "new": value}
            setattr(company, field, value)
    if changed:
        company.updated_at = max(ctx.now(), company.updated_at)
        record_event(session, ctx, "company.updated", company_id=company.id,
                     target_type="company", target_id=company.id, target_label=company.name,
                     data={"changes": changed})
        session.flush()
    return company
