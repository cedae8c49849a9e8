"""Finding subcontractor companies to invite, by name, trade or city.

A contractor sees a company's name, city, trades and visible contacts; never hidden contacts,
and never which other contractors work with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from bidbridge.models import Company, CompanyKind, Contact, ContactType, Rfp
from bidbridge.reference import TRADES

MAX_RESULTS = 50


@dataclass(frozen=True)
class Candidate:
    company: Company
    trades: list[str]
    visible_contacts: int
    invited_rfp_id: int | None  # already invited to this workpackage


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def find_subcontractors(session: Session, *, workpackage_id: int, name: str = "",
                        trade: str = "", city: str = "", limit: int = MAX_RESULTS
                        ) -> list[Candidate]:
    """Subcontractors matching every given criterion (case-insensitive parts of name and city,
    one trade of reference.TRADES), by name; at most ``limit``."""
    query = select(Company).where(Company.kind == CompanyKind.SUBCONTRACTOR)
    if name.strip():
        query = query.where(func.lower(Company.name).like(_like(name.strip()), escape="\\"))
    if city.strip():
        query = query.where(func.lower(Company.city).like(_like(city.strip()), escape="\\"))
    if trade:
        if trade not in TRADES:
            return []
        # Trades are a comma list; wrapping it in commas matches whole entries only.
        query = query.where((literal(",") + Company.trades + ",").like(f"%,{trade},%"))
    companies = list(session.scalars(query.order_by(Company.name, Company.id).limit(limit)))
    if not companies:
        return []
    ids = [c.id for c in companies]
    contacts: dict[int, int] = {company_id: count for company_id, count in session.execute(
        select(Contact.company_id, func.count()).where(
            Contact.company_id.in_(ids), Contact.contact_type == ContactType.VISIBLE,
            Contact.active.is_(True)).group_by(Contact.company_id))}
    invited: dict[int, int] = {company_id: rfp_id for company_id, rfp_id in session.execute(
        select(Rfp.company_id, Rfp.id).where(Rfp.workpackage_id == workpackage_id,
                                             Rfp.company_id.in_(ids)))}
    return [Candidate(c, [t for t in (c.trades or "").split(",") if t],
                      contacts.get(c.id, 0), invited.get(c.id)) for c in companies]
