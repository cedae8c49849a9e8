"""What the API user reads about itself: its contact, its company with the API module, and the
company's people. getMe, getCompany, getContacts and updateCompany answer from here."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bidbridge.models import ApiModule, Company, CompanyKind, Contact, ContactRole, ContactType
from bidbridge.prepared import Prepared


class ContactRow(NamedTuple):
    """What getMe shows of a contact, with the model's attribute names."""

    id: int
    name: str
    email: str
    phone: str | None
    role: ContactRole
    contact_type: ContactType
    active: bool


class CompanyRow(NamedTuple):
    """What getMe shows of a company, with the model's attribute names."""

    id: int
    kind: CompanyKind
    name: str
    coc_number: str | None
    address_1: str | None
    address_2: str | None
    zip: str | None
    city: str | None
    country_code: str
    phone: str | None
    website: str | None
    updated_at: datetime


_CONTACT = ContactRow._fields
_COMPANY = CompanyRow._fields

# One statement besides the token's, on the driver's cursor: no ORM entities.
_ME = Prepared(
    select(*(getattr(Contact, c) for c in _CONTACT), *(getattr(Company, c) for c in _COMPANY),
           ApiModule.api_user_id)
    .join(Company, Company.id == Contact.company_id)
    .outerjoin(ApiModule, ApiModule.company_id == Company.id)
    .where(Contact.id == bindparam("contact_id")))


def me(conn: Connection, contact_id: int) -> tuple[ContactRow, CompanyRow, int | None]:
    """The API user's contact and company (as ContactRow, CompanyRow) and the company's API
    user id."""
    row = _ME.first(conn, contact_id=contact_id)
    assert row is not None, "a valid token's contact exists"
    n = len(_CONTACT)
    return (ContactRow._make(row[:n]), CompanyRow._make(row[n:n + len(_COMPANY)]),
            row[n + len(_COMPANY)])


def company_and_module(session: Session, company_id: int) -> tuple[Company, ApiModule | None]:
    row = session.execute(
        select(Company, ApiModule).outerjoin(ApiModule, ApiModule.company_id == Company.id)
        .where(Company.id == company_id)).one()
    return row[0], row[1]


def contacts(session: Session, company_id: int) -> list[Contact]:
    """Every contact of the company, active or not, in id order."""
    return list(session.scalars(select(Contact).where(Contact.company_id == company_id)
                                .order_by(Contact.id)))
