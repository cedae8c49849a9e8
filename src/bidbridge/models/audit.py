"""Two records joined by request id: domain events, and one row per API request."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bidbridge.models.base import Base


class AuditEvent(Base):
    """A state change, written in the same transaction as the change. Never deleted."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_company_id_id", "company_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    event: Mapped[str] = mapped_column(String(64), index=True)
    # No foreign keys on purpose: audit rows outlive the rows they describe.
    company_id: Mapped[int | None] = mapped_column()
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column()
    actor_name: Mapped[str] = mapped_column(String(200))
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[int | None] = mapped_column()
    target_label: Mapped[str | None] = mapped_column(String(200))
    request_id: Mapped[str | None] = mapped_column(String(64), index=True)
    client_ip: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ApiRequest(Base):
    """One row per API call, refused ones included."""

    __tablename__ = "api_requests"
    __table_args__ = (Index("ix_api_requests_company_id_id", "company_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    request_id: Mapped[str] = mapped_column(String(64), index=True)
    api: Mapped[str] = mapped_column(String(16))
    function: Mapped[str | None] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(500))
    company_id: Mapped[int | None] = mapped_column()
    contact_id: Mapped[int | None] = mapped_column()
    contact_name: Mapped[str | None] = mapped_column(String(200))
    template_params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    query_params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[int] = mapped_column()
    error_code: Mapped[str | None] = mapped_column(String(64))
    duration_ms: Mapped[float] = mapped_column()
    client_ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(500))
