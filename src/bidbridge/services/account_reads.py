"""What the API user reads about itself: its contact, its company with the API module, and the
company's people. getCompany, getContacts and updateCompany answer from here; getMe from the rows
the token check read (``ContactRow``, ``CompanyRow``: services/tokens.py)."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidbridge.models import ApiModule, Company, CompanyKind, Contact, ContactRole, ContactType


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


def company_and_module(session: Session, company_id: int) -> tuple[Company, ApiModule | None]:
    row = session.execute(
        select(Company, ApiModule).outerjoin(ApiModule, ApiModule.company_id == Company.id)
        .where(Company.id == company_id)).one()
    return row[0], row[1]


def contacts(session: Session, company_id: int) -> list[Contact]:
    """Every contact of the company, active or not, in id order."""
    return list(session.scalars(select(Contact).where(Contact.company_id == company_id)
                                .order_by(Contact.id)))
