"""The API module of a company, its one designated API user, API keys and tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, ForeignKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bidbridge.models.accounts import Company, Contact
from bidbridge.models.base import Base


class ApiModule(Base):
    """One row per company that was ever considered for API access."""

    __tablename__ = "api_modules"
    # The API user must be a contact *of this company*: enforced by the composite key.
    __table_args__ = (
        ForeignKeyConstraint(
            ["api_user_id", "company_id"],
            ["contacts.id", "contacts.company_id"],
            name="fk_api_modules_api_user_of_company",
        ),
    )

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), primary_key=True)
    active: Mapped[bool] = mapped_column(default=False)
    api_user_id: Mapped[int | None] = mapped_column(index=True)
    changed_at: Mapped[datetime] = mapped_column()
    changed_by_name: Mapped[str] = mapped_column(String(200))
    activated_at: Mapped[datetime | None] = mapped_column()
    activated_by_name: Mapped[str | None] = mapped_column(String(200))

    company: Mapped[Company] = relationship()
    api_user: Mapped[Contact | None] = relationship(
        foreign_keys=[api_user_id], primaryjoin="ApiModule.api_user_id == Contact.id",
        viewonly=True,
    )


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[str] = mapped_column(String(32), unique=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    secret_digest: Mapped[str] = mapped_column(String(64))
    pepper_id: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    revoked_reason: Mapped[str | None] = mapped_column(String(32))

    contact: Mapped[Contact] = relationship()


class ApiToken(Base):
    """A one-hour token. The raw token is HMAC-SHA512(pepper, nonce); only its SHA-256 is indexed."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"), index=True)
    nonce: Mapped[str] = mapped_column(String(64))
    pepper_id: Mapped[str] = mapped_column(String(16))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column(index=True)
    # Set when the API module is switched off: such a token stays dead after a reactivation.
    revoked_at: Mapped[datetime | None] = mapped_column()

    api_key: Mapped[ApiKey] = relationship()
