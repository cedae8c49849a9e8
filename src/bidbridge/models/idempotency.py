"""Idempotency keys: the stored outcome of a state-changing call, replayed on retries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bidbridge.models.base import Base


class IdempotencyKey(Base):
    """One Idempotency-Key of one company for one function, with the response it produced.

    The row is inserted in the same transaction as the business change it guards, so it exists
    exactly when the change committed (see api/idempotency.py for why there is no separate claim).
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        UniqueConstraint("company_id", "api", "function", "key", name="uq_idempotency_keys_scope"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    api: Mapped[str] = mapped_column(String(16))
    function: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255))
    # SHA-256 over the function, its template and query parameters and the uploaded bytes.
    request_hash: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column(index=True)
    response_status: Mapped[int] = mapped_column()
    response_headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    response_body: Mapped[bytes] = mapped_column(LargeBinary)
