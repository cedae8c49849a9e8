"""A contractor's own switch for its API module: its administrator activates it and picks the user.

Support does this for subcontractors (services.api_access); a contractor's administrator does it in
the company settings, as the modelled platform lets them. Events are written in the admin's name.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bidbridge.errors import Forbidden, NotFound
from bidbridge.models import ApiModule, Company, CompanyKind, Contact, ContactRole
from bidbridge.services import api_access
from bidbridge.services.context import Actor, RequestContext


def _as_admin(session: Session, ctx: RequestContext, admin: Contact) -> tuple[Company, RequestContext]:
    """The admin's company, and a context acting in the admin's name; refusals say why."""
    company = session.get(Company, admin.company_id)
    assert company is not None
    if company.kind != CompanyKind.CONTRACTOR:
        raise Forbidden(f"{company.name} is a subcontractor; its API module is switched on by "
                        "platform support.", code="not_a_contractor")
    if not admin.active or admin.role != ContactRole.ADMINISTRATOR:
        raise Forbidden(f"{admin.email} is not an active administrator of {company.name}; only "
                        "an administrator can change the API module.", code="not_administrator")
    return company, ctx.acting_as(Actor("contact", admin.id, admin.name, company.id))


def activate(session: Session, ctx: RequestContext, admin: Contact,
             api_user: Contact | None = None) -> ApiModule:
    """Switch the module on and, when given, designate ``api_user`` (a contact of the company)."""
    company, admin_ctx = _as_admin(session, ctx, admin)
    if api_user is not None and api_user.company_id != company.id:
        raise NotFound(f"{api_user.email} is not a contact of {company.name}.",
                       code="contact_not_found")
    return api_access.activate_api(session, admin_ctx, company, api_user)


def designate(session: Session, ctx: RequestContext, admin: Contact, api_user: Contact
              ) -> ApiModule:
    """Change the API user; the previous user's keys stop working at once."""
    company, admin_ctx = _as_admin(session, ctx, admin)
    return api_access.designate_api_user(session, admin_ctx, company, api_user)


def deactivate(session: Session, ctx: RequestContext, admin: Contact) -> ApiModule:
    company, admin_ctx = _as_admin(session, ctx, admin)
    return api_access.deactivate_api(session, admin_ctx, company)
