"""Inviting a subcontractor to a workpackage: an existing company, or one created on the spot."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bidbridge.errors import Conflict, NotFound
from bidbridge.models import (
    Company,
    CompanyKind,
    Contact,
    ContactRole,
    ContactType,
    Rfp,
    RfpStatus,
    Workpackage,
)
from bidbridge.services import accounts, events
from bidbridge.services.audit import record_event
from bidbridge.services.context import RequestContext
from bidbridge.services.projects import touch_project


@dataclass(frozen=True)
class Invitee:
    """Either ``company_id``, or a new company's name with a contact e-mail (and name)."""

    company_id: int | None = None
    company_name: str | None = None
    contact_email: str | None = None
    contact_name: str | None = None


@dataclass(frozen=True)
class Invitation:
    rfp: Rfp
    company: Company
    contact: Contact | None
    company_created: bool
    contact_created: bool


def _subcontractor(session: Session, company_id: int) -> Company:
    company = session.get(Company, company_id)
    if company is None or company.kind != CompanyKind.SUBCONTRACTOR:
        raise NotFound(f"There is no subcontractor company {company_id}.", code="not_found",
                       data={"resource": "company", "id": company_id})
    return company


def _resolve(session: Session, ctx: RequestContext, invitee: Invitee
             ) -> tuple[Company, Contact | None, bool, bool]:
    if invitee.company_id is not None:
        return _subcontractor(session, invitee.company_id), None, False, False
    assert invitee.company_name and invitee.contact_email
    existing = accounts.get_contact_by_email(session, invitee.contact_email)
    company = session.get(Company, existing.company_id) if existing is not None else None
    if existing is not None and company is not None and company.kind == CompanyKind.SUBCONTRACTOR:
        # The person is on the platform already: invite the company they belong to.
        return company, existing, False, False
    if existing is not None or accounts.email_taken(session, invitee.contact_email):
        # A contractor's contact or a support account. The answer names neither the address
        # nor what it belongs to (a competitor's staff list is not ours to probe).
        raise email_unavailable()
    company = accounts.create_company(session, ctx, kind=CompanyKind.SUBCONTRACTOR,
                                      name=invitee.company_name)
    name = invitee.contact_name or invitee.contact_email.split("@")[0]
    # An "other" contact: sees only what it was invited to; no password until it registers.
    contact = accounts.create_contact(session, ctx, company, name=name,
                                      email=invitee.contact_email, password_hash=None,
                                      role=ContactRole.ADMINISTRATOR,
                                      contact_type=ContactType.OTHER)
    return company, contact, True, True


def email_unavailable() -> Conflict:
    return Conflict("This contactEmail cannot receive an invitation. Invite the company by "
                    "companyId, or use another address of the person you want to invite.",
                    code="contact_email_unavailable",
                    data={"parameter": "contactEmail"})


def choose_sealing(session: Session, wp: Workpackage, sealed: bool | None) -> None:
    """Sealed opening is chosen when inviting: with the first invitation, or again unchanged.
    Changing it once bidders were invited under the other rule is refused."""
    if sealed is None or sealed == wp.sealed:
        return
    invited = session.scalar(select(Rfp.id).where(Rfp.workpackage_id == wp.id).limit(1))
    if invited is not None:
        raise Conflict(f"Workpackage {wp.id} already has invitees, invited "
                       f"{'sealed' if wp.sealed else 'unsealed'}; the choice cannot change now. "
                       f"Leave 'sealed' out, or send {int(wp.sealed)}.", code="sealing_fixed",
                       data={"parameter": "sealed", "sealed": wp.sealed})
    wp.sealed = sealed


def invite(session: Session, ctx: RequestContext, wp: Workpackage, contractor_id: int,
           invitee: Invitee, *, sealed: bool | None = None) -> Invitation:
    choose_sealing(session, wp, sealed)
    company, contact, company_created, contact_created = _resolve(session, ctx, invitee)
    taken = session.scalar(select(Rfp.id).where(Rfp.workpackage_id == wp.id,
                                                Rfp.company_id == company.id))
    if taken is not None:
        raise Conflict(f"{company.name} is already invited to workpackage {wp.id} (RFP {taken}).",
                       code="already_invited", data={"rfpId": taken, "companyId": company.id})
    now = ctx.now()
    rfp = Rfp(workpackage_id=wp.id, project_id=wp.project_id, company_id=company.id,
              contractor_company_id=contractor_id,
              invited_contact_id=contact.id if contact else None, status=RfpStatus.UNKNOWN,
              status_shared=False, invited_at=now, created_at=now, updated_at=now)
    try:
        # A concurrent invitation of the same company may win the unique key: answer 409.
        with session.begin_nested():
            session.add(rfp)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(f"{company.name} is already invited to workpackage {wp.id}.",
                       code="already_invited", data={"companyId": company.id}) from exc
    touch_project(wp.project, now)
    data = {"rfpId": rfp.id, "workpackageId": wp.id, "projectId": wp.project_id,
            "contractorCompanyId": contractor_id, "subcontractorCompanyId": company.id,
            "companyCreated": company_created, "sealed": wp.sealed}
    # The audit log is per company: each side sees the invitation in its own log.
    for company_id in (contractor_id, company.id):
        record_event(session, ctx, "rfp.invited", company_id=company_id, target_type="rfp",
                     target_id=rfp.id, target_label=f"{wp.name} — {company.name}", data=data)
    events.emit(session, ctx, "rfp.received", company_id=company.id, subject_id=rfp.id,
                rfp_id=rfp.id)
    return Invitation(rfp, company, contact, company_created, contact_created)
