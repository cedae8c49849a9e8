"""Events for integrators (the change feed) and the webhook endpoints and deliveries they feed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bidbridge.models.base import Base

# A 64-bit id on PostgreSQL; SQLite's rowid alias must be spelt INTEGER.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Event(Base):
    """An immutable change a company may see, written in the transaction of the change.

    ``txid`` is the writing transaction's id on PostgreSQL (``pg_current_xact_id()``), 0 on
    SQLite; the feed is ordered by (txid, id) and serves only transactions that have finished,
    which makes it gap-free when transactions commit out of order (services/event_feed.py).
    """

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_company_id_txid_id", "company_id", "txid", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    txid: Mapped[int] = mapped_column(BigInteger, default=0)
    company_id: Mapped[int] = mapped_column(Integer)  # the company that sees the event
    type: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(BigInteger)
    rfp_id: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    request_id: Mapped[str | None] = mapped_column(String(64))


class WebhookEndpoint(Base):
    """A company's receiving URL; its signing secret is sealed (Fernet) and shown only once."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str | None] = mapped_column(String(200))
    event_types: Mapped[list[str]] = mapped_column(JSON)  # empty: every type
    enabled: Mapped[bool] = mapped_column()
    disabled_reason: Mapped[str | None] = mapped_column(String(200))
    disabled_at: Mapped[datetime | None] = mapped_column()
    secret_sealed: Mapped[str] = mapped_column(Text)
    previous_secret_sealed: Mapped[str | None] = mapped_column(Text)
    previous_secret_until: Mapped[datetime | None] = mapped_column()
    # The first failure since the last success: days of failure disable the endpoint.
    failing_since: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class WebhookDelivery(Base):
    """The outbox: one event to send to one endpoint, written with the event, claimed by a worker.

    ``webhook-id`` is the event's id, the same on every attempt and on a replay.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_subject", "endpoint_id", "subject_key", "status", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    company_id: Mapped[int] = mapped_column(Integer)
    subject_key: Mapped[str] = mapped_column(String(80))  # deliveries of one subject keep order
    status: Mapped[str] = mapped_column(String(16))  # pending, delivered, failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column()
    lease_until: Mapped[datetime | None] = mapped_column()
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    last_attempt_at: Mapped[datetime | None] = mapped_column()
    last_status_code: Mapped[int | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(String(300))
    delivered_at: Mapped[datetime | None] = mapped_column()
    replay: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column()
