"""Support's side of API access: the module switch and the one designated API user."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bidbridge.clock import unix
from bidbridge.errors import AppError, NotFound
from bidbridge.models import ApiKey, ApiModule, ApiToken, Company, Contact
from bidbridge.services import api_keys, events
from bidbridge.services.audit import record_event
from bidbridge.services.context import RequestContext


def get_module(session: Session, company_id: int) -> ApiModule | None:
    return session.get(ApiModule, company_id)


def is_active(session: Session, company_id: int) -> bool:
    module = session.get(ApiModule, company_id)
    return bool(module and module.active)


def _module_for_update(session: Session, ctx: RequestContext, company: Company) -> ApiModule:
    module = session.get(ApiModule, company.id, with_for_update=True)
    if module is None:
        module = ApiModule(company_id=company.id, active=False, changed_at=ctx.now(),
                           changed_by_name=ctx.actor.name)
        session.add(module)
        session.flush()
    return module


def _module_event(session: Session, ctx: RequestContext, kind: str, company: Company,
                  module: ApiModule) -> None:
    events.emit(session, ctx, kind, company_id=company.id, subject_id=company.id,
                payload={"companyId": company.id, "active": module.active,
                         "changedAt": unix(ctx.now())})


def activate_api(
    session: Session, ctx: RequestContext, company: Company, api_user: Contact | None = None
) -> ApiModule:
    module = _module_for_update(session, ctx, company)
    if not module.active:
        module.active = True
        module.changed_at = module.activated_at = ctx.now()
        module.changed_by_name = module.activated_by_name = ctx.actor.name
        record_event(session, ctx, "api_module.activated", company_id=company.id,
                     target_type="company", target_id=company.id, target_label=company.name)
        _module_event(session, ctx, "api_module.activated", company, module)
    if api_user is not None:
        designate_api_user(session, ctx, company, api_user)
    session.flush()
    return module


def deactivate_api(session: Session, ctx: RequestContext, company: Company) -> ApiModule:
    """Switch the module off: every token of the company is refused from the next call on."""
    module = _module_for_update(session, ctx, company)
    if module.active:
        module.active = False
        module.changed_at = ctx.now()
        module.changed_by_name = ctx.actor.name
        # Tokens minted so far stay dead after a reactivation; the key survives, so the
        # integration asks for a new token once the module is on again.
        keys = select(ApiKey.id).where(ApiKey.company_id == company.id)
        session.execute(update(ApiToken).where(ApiToken.api_key_id.in_(keys),
                                               ApiToken.revoked_at.is_(None))
                        .values(revoked_at=ctx.now()))
        record_event(session, ctx, "api_module.deactivated", company_id=company.id,
                     target_type="company", target_id=company.id, target_label=company.name)
        _module_event(session, ctx, "api_module.deactivated", company, module)
    session.flush()
    return module


def designate_api_user(
    session: Session, ctx: RequestContext, company: Company, contact: Contact
) -> ApiModule:
    if contact.company_id != company.id:
        raise NotFound(f"{contact.email} is not a contact of {company.name}.",
                       code="contact_not_found")
    if not contact.active:
        raise AppError(f"{contact.email} is not active; only an active contact can be the API user.",
                       code="contact_inactive", status=422)
    module = _module_for_update(session, ctx, company)
    previous = module.api_user_id
    if previous == contact.id:
        return module
    if previous is not None:
        # The former API user's keys (and so their tokens) stop working at once.
        api_keys.revoke_all_for_contact(session, ctx, previous, reason="api_user_changed")
    module.api_user_id = contact.id
    module.changed_at = ctx.now()
    module.changed_by_name = ctx.actor.name
    record_event(session, ctx, "api_user.designated", company_id=company.id,
                 target_type="contact", target_id=contact.id, target_label=contact.name,
                 data={"previousApiUserId": previous})
    session.flush()
    return module


def clear_api_user_if(session: Session, ctx: RequestContext, contact: Contact, reason: str) -> None:
    """Remove the designation when ``contact`` holds it (e.g. the contact was deactivated)."""
    module = session.get(ApiModule, contact.company_id, with_for_update=True)
    if module is None or module.api_user_id != contact.id:
        return
    api_keys.revoke_all_for_contact(session, ctx, contact.id, reason=reason)
    module.api_user_id = None
    module.changed_at = ctx.now()
    module.changed_by_name = ctx.actor.name
    record_event(session, ctx, "api_user.cleared", company_id=contact.company_id,
                 target_type="contact", target_id=contact.id, target_label=contact.name,
                 data={"reason": reason})
