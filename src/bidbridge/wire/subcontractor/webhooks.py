"""Webhook endpoints and their deliveries on the wire."""

from __future__ import annotations

from pydantic import Field

from bidbridge.wire import ApiModel


class EndpointOut(ApiModel):
    endpoint_id: int
    url: str
    description: str | None
    event_types: list[str] = Field(description="The types sent; empty: every type.")
    enabled: bool
    disabled_reason: str | None = Field(description="Why it is disabled: by you, an answer "
                                                    "410, or days of failures.")
    disabled_at: int | None
    failing_since: int | None = Field(description="The first failure since the last success.")
    previous_secret_valid_until: int | None = Field(description=(
        "After a rotation: until then every delivery carries a signature with the old secret "
        "too."))
    created_at: int
    updated_at: int


class EndpointSecretOut(EndpointOut):
    secret: str = Field(description="The signing secret (whsec_…), shown only in this answer. "
                                    "Verify deliveries with it (Standard Webhooks).")


class DeletedOut(ApiModel):
    endpoint_id: int
    deleted: bool


class DeliveryOut(ApiModel):
    delivery_id: int
    event_id: int
    webhook_id: str = Field(description="The webhook-id header: evt_<eventId>.")
    event_type: str
    status: str = Field(description="pending (waiting or between attempts), delivered, or "
                                    "failed (every attempt failed, or the endpoint answered 410).")
    attempts: int
    next_attempt_at: int | None = Field(description="When pending: the next attempt, unix s.")
    last_attempt_at: int | None
    last_status_code: int | None = Field(description="The last answer's HTTP status; null when "
                                                     "there was none (refused, timeout).")
    last_error: str | None
    delivered_at: int | None
    replay: bool
    created_at: int


class DeliveryPageOut(ApiModel):
    deliveries: list[DeliveryOut]
    next_cursor: str | None = Field(description="Pass as cursor for older deliveries; null at "
                                                "the end.")


class ReplayOut(ApiModel):
    endpoint_id: int
    queued: int = Field(description="Deliveries queued; each keeps its event's webhook-id.")
