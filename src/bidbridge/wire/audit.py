"""Wire schemas: audit."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from bidbridge.wire import ApiModel


class AuditEventOut(ApiModel):
    id: int
    occurred_at: int = Field(description="Unix seconds.")
    event: str = Field(description="Dotted event name, e.g. api_key.generated.")
    actor_kind: str
    actor_id: int | None
    actor_name: str = Field(description="The actor's name when the event happened.")
    target_type: str | None
    target_id: int | None
    target_label: str | None
    request_id: str | None
    client_ip: str | None
    data: dict[str, Any]


class ApiRequestOut(ApiModel):
    id: int
    occurred_at: int
    request_id: str
    function: str | None
    method: str
    path: str
    contact_id: int | None
    contact_name: str | None
    template_params: dict[str, Any]
    query_params: dict[str, Any]
    status: int
    error_code: str | None
    duration_ms: float
    client_ip: str | None
    user_agent: str | None


class AuditLogOut(ApiModel):
    source: str
    events: list[AuditEventOut] = Field(default_factory=list)
    requests: list[ApiRequestOut] = Field(default_factory=list)
    next_cursor: str | None = Field(description="Pass as cursor for the next page; null at the end.")
