"""Writing and reading the audit trail."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bidbridge.models import AuditEvent
from bidbridge.services.context import RequestContext

LABEL_LENGTH = 200  # audit_events.target_label


def record_event(
    session: Session,
    ctx: RequestContext,
    event: str,
    *,
    company_id: int | None,
    target_type: str | None = None,
    target_id: int | None = None,
    target_label: str | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add a domain event to the caller's transaction: it commits with the change or not at all."""
    row = AuditEvent(
        occurred_at=ctx.now(),
        event=event,
        company_id=company_id,
        actor_kind=ctx.actor.kind,
        actor_id=ctx.actor.id,
        actor_name=ctx.actor.name,
        target_type=target_type,
        target_id=target_id,
        # A label is a snapshot for reading (a file name may have 255 characters): cut to fit.
        target_label=target_label[:LABEL_LENGTH] if target_label else target_label,
        request_id=ctx.request_id,
        client_ip=ctx.client_ip,
        data=data or {},
    )
    session.add(row)
    return row
