"""Demo bids: two more installers priced the contractor's "Installaties W" and submitted, through
the subcontractor services, so the bid comparison and the status board have something to show
before anyone logs in. Van Dijk's and Bakker's own RFPs are left untouched."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidbridge.clock import unix
from bidbridge.demo_tendering import DemoRfp
from bidbridge.models import (
    BudgetLine,
    Company,
    CompanyKind,
    ContactRole,
    ContactType,
    Proposal,
    Rfp,
    Workpackage,
)
from bidbridge.services import accounts, invitations, pricing, proposals, rfp_board
from bidbridge.services.context import Actor, RequestContext
from bidbridge.services.runtime import Runtime
from bidbridge.services.scoping import effective_deadline

# Company, city, trades, contact, unit price per line position (None: left unpriced), an own line.
BIDDERS: tuple[tuple[str, str, str, str, tuple[str | None, ...], tuple[str, str] | None], ...] = (
    ("Installatiebedrijf Jansen", "Amersfoort", "Werktuigbouwkundige installaties,Sanitair",
     "Pieter Jansen", ("9450.00", "38.75", "24.10", "1850.00"), ("Bouwplaatsvoorzieningen",
                                                                   "1250.00")),
    ("Klimaattechniek Smit", "Utrecht", "Werktuigbouwkundige installaties",
     "Sanne Smit", ("8990.00", "41.20", "21.95", None), None),
)


def load_bids(session: Session, ctx: RequestContext, runtime: Runtime, gc: Company,
              admin_ctx: RequestContext) -> list[DemoRfp]:
    """Create what is missing; return the bidders' RFPs."""
    found: list[DemoRfp] = []
    wp = session.scalar(select(Workpackage).join(Workpackage.project)
                        .where(Workpackage.name == "Installaties W",
                               Workpackage.project.has(company_id=gc.id)))
    if wp is None:
        return found
    lines = list(session.scalars(select(BudgetLine).where(
        BudgetLine.workpackage_id == wp.id, BudgetLine.deleted_at.is_(None))
        .order_by(BudgetLine.position, BudgetLine.id)))
    for name, city, trades, person, prices, extra in BIDDERS:
        company = session.scalar(select(Company).where(Company.name == name))
        if company is None:
            company = accounts.create_company(session, ctx, kind=CompanyKind.SUBCONTRACTOR,
                                              name=name, city=city, country_code="NL",
                                              trades=trades)
            slug = name.split()[-1].lower()
            accounts.create_contact(session, ctx, company, name=person,
                                    email=f"offerte@{slug}.test", password_hash=None,
                                    role=ContactRole.ADMINISTRATOR,
                                    contact_type=ContactType.VISIBLE)
        rfp = session.scalar(select(Rfp).where(Rfp.workpackage_id == wp.id,
                                               Rfp.company_id == company.id))
        if rfp is None:
            rfp = invitations.invite(session, admin_ctx, wp, gc.id,
                                     invitations.Invitee(company_id=company.id)).rfp
        deadline = effective_deadline(rfp)
        found.append(DemoRfp(rfp.id, wp.project.name, wp.name, company.name,
                             unix(deadline) if deadline else None,
                             deadline is not None and deadline <= ctx.now()))
        if session.scalar(select(Proposal.id).where(Proposal.rfp_id == rfp.id)) is not None:
            continue
        contact = company.contacts[0]
        sub_ctx = ctx.acting_as(Actor("contact", contact.id, contact.name, company.id))
        rfp_board.mark_opened(session, sub_ctx, rfp)
        changes = [pricing.PriceChange(index=i, budget_line_id=line.id,
                                       fields={"unit_price": Decimal(price)})
                   for i, (line, price) in enumerate(zip(lines, prices, strict=False))
                   if price is not None]
        if extra:
            changes.append(pricing.PriceChange(index=len(changes), fields={
                "description": extra[0], "quantity": Decimal(1), "unit": "ps",
                "total_price": Decimal(extra[1])}))
        pricing.price_budget_lines(session, sub_ctx, company.id, rfp.id, changes)
        proposals.submit_proposal(session, sub_ctx, runtime.storage, company.id, rfp.id,
                                  proposals.Submission("Graag bespreken wij onze aanbieding.",
                                                       None, []),
                                  max_bytes=runtime.settings.max_upload_bytes)
    return found
