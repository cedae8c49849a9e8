"""Browser sessions kept server-side, and the second factor (TOTP) of web accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bidbridge.models.base import Base

ACCOUNT_KINDS = "account_kind IN ('contact', 'support')"


class BrowserSession(Base):
    """One signed-in browser. The cookie holds a random key; only its SHA-256 is stored."""

    __tablename__ = "browser_sessions"
    __table_args__ = (
        Index("ix_browser_sessions_account", "account_kind", "account_id"),
        CheckConstraint(ACCOUNT_KINDS, name="account_kind"),
        CheckConstraint("stage IN ('active', 'needs_code', 'needs_enrolment')", name="stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key_digest: Mapped[str] = mapped_column(String(64), unique=True)
    account_kind: Mapped[str] = mapped_column(String(16))
    account_id: Mapped[int] = mapped_column()
    # "active" once every factor is given; before that the session opens only the 2FA pages.
    stage: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column()
    last_seen_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    revoked_reason: Mapped[str | None] = mapped_column(String(32))
    client_ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(500))


class TwoFactor(Base):
    """An account's TOTP secret (sealed with a key derived from the secret key) and the digests
    of its unused recovery codes."""

    __tablename__ = "two_factor"
    __table_args__ = (
        UniqueConstraint("account_kind", "account_id", name="uq_two_factor_account"),
        CheckConstraint(ACCOUNT_KINDS, name="account_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_kind: Mapped[str] = mapped_column(String(16))
    account_id: Mapped[int] = mapped_column()
    secret_sealed: Mapped[str] = mapped_column(String(400))
    confirmed_at: Mapped[datetime | None] = mapped_column()
    # The last TOTP time step accepted: a code is good once, even within its 30 s.
    last_step: Mapped[int | None] = mapped_column()
    recovery_digests: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
