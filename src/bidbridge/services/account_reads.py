"""What the API user reads about itself: its contact, its company with the API module, and the
company's people. getMe, getCompany, getContacts and updateCompany answer from here."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bidbridge.models import ApiModule, Company, Contact

# One statement besides the token's, returning the three rows (no lazy loads).
_ME = (select(Contact, Company, ApiModule).join(Company, Company.id == Contact.company_id)
       .outerjoin(ApiModule, ApiModule.company_id == Company.id)
       .where(Contact.id == bindparam("contact_id")))


def me(session: Session, contact_id: int) -> tuple[Contact, Company, ApiModule | None]:
    contact, company, module = session.execute(_ME, {"contact_id": contact_id}).one()
    return contact, company, module


def company_and_module(session: Session, company_id: int) -> tuple[Company, ApiModule | None]:
    row = session.execute(
        select(Company, ApiModule).outerjoin(ApiModule, ApiModule.company_id == Company.id)
        .where(Company.id == company_id)).one()
    return row[0], row[1]


def contacts(session: Session, company_id: int) -> list[Contact]:
    """Every contact of the company, active or not, in id order."""
    return list(session.scalars(select(Contact).where(Contact.company_id == company_id)
                                .order_by(Contact.id)))
