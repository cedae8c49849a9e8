"""Companies, their contacts, and platform support staff."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bidbridge.models.base import Base, Timestamps


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    # Stored as plain strings with a CHECK constraint: portable, and readable in a dump.
    return Enum(cls, name=name, native_enum=False, length=32,
                values_callable=lambda e: [m.value for m in e], create_constraint=True)


class CompanyKind(enum.StrEnum):
    CONTRACTOR = "contractor"
    SUBCONTRACTOR = "subcontractor"


class ContactRole(enum.StrEnum):
    ADMINISTRATOR = "administrator"
    USER = "user"


class ContactType(enum.StrEnum):
    VISIBLE = "visible"
    HIDDEN = "hidden"
    OTHER = "other"


class Company(Timestamps, Base):
    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CompanyKind] = mapped_column(_enum(CompanyKind, "company_kind"))
    name: Mapped[str] = mapped_column(String(200), index=True)
    coc_number: Mapped[str | None] = mapped_column(String(32))
    address_1: Mapped[str | None] = mapped_column(String(200))
    address_2: Mapped[str | None] = mapped_column(String(200))
    zip: Mapped[str | None] = mapped_column(String(16))
    city: Mapped[str | None] = mapped_column(String(100))
    country_code: Mapped[str] = mapped_column(String(2), default="NL")
    phone: Mapped[str | None] = mapped_column(String(32))
    website: Mapped[str | None] = mapped_column(String(200))
    # An administrator can require a second factor of every contact of the company.
    two_factor_required: Mapped[bool] = mapped_column(default=False, server_default=false())
    # A subcontractor's trades, a comma list from reference.TRADES: contractors find it by them.
    trades: Mapped[str | None] = mapped_column(String(300))

    contacts: Mapped[list[Contact]] = relationship(
        back_populates="company", order_by="Contact.id", foreign_keys="Contact.company_id"
    )


class Contact(Timestamps, Base):
    __tablename__ = "contacts"
    # (id, company_id) is unique so that other tables can point at "a contact of this company".
    __table_args__ = (UniqueConstraint("id", "company_id", name="uq_contacts_id_company"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[ContactRole] = mapped_column(_enum(ContactRole, "contact_role"))
    contact_type: Mapped[ContactType] = mapped_column(_enum(ContactType, "contact_type"))
    active: Mapped[bool] = mapped_column(default=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    # Bumped on password change or deactivation: ends every browser session at once.
    session_version: Mapped[int] = mapped_column(default=1)
    last_login_at: Mapped[datetime | None] = mapped_column()

    company: Mapped[Company] = relationship(back_populates="contacts", foreign_keys=[company_id])


class SupportUser(Timestamps, Base):
    __tablename__ = "support_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    session_version: Mapped[int] = mapped_column(default=1)


class AccountEmail(Base):
    """One namespace of login e-mail addresses across contacts and support accounts.

    Filled by database triggers on ``contacts`` and ``support_users`` (migration 0110), with the
    address in lower case as the primary key: no two accounts of either kind can share an address
    in any case, whichever code writes the row.
    """

    __tablename__ = "account_emails"
    __table_args__ = (
        UniqueConstraint("account_kind", "account_id", name="uq_account_emails_account"),
        CheckConstraint("account_kind IN ('contact', 'support')", name="account_kind"),
    )

    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    account_kind: Mapped[str] = mapped_column(String(16))
    account_id: Mapped[int] = mapped_column()
