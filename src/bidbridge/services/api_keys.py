"""API keys: generated, regenerated and revoked by the API user from a browser session only."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bidbridge.clock import unix
from bidbridge.errors import AppError, Forbidden, NotFound
from bidbridge.models import ApiKey, ApiModule, Contact
from bidbridge.security import credentials
from bidbridge.services import events
from bidbridge.services.audit import record_event
from bidbridge.services.context import RequestContext


def get_active_key(session: Session, contact_id: int) -> ApiKey | None:
    return session.scalar(
        select(ApiKey).where(ApiKey.contact_id == contact_id, ApiKey.revoked_at.is_(None))
        .order_by(ApiKey.id.desc()).limit(1)
    )


def _require_api_user(session: Session, contact: Contact) -> ApiModule:
    module = session.get(ApiModule, contact.company_id)
    if module is None or not module.active:
        from bidbridge.services.tokens import api_not_activated

        raise api_not_activated(contact.company.kind)
    if module.api_user_id != contact.id:
        raise Forbidden("Only your company's designated API user can manage API keys.",
                        code="not_api_user")
    return module


def generate_key(
    session: Session, ctx: RequestContext, contact: Contact, *, pepper: str, pepper_id: str
) -> tuple[ApiKey, str]:
    """Create a key for the API user; any key they had is revoked with its tokens.

    Returns the row and the full key, which exists only in this return value.
    """
    _require_api_user(session, contact)
    # Serialise concurrent generate/regenerate presses of the same user.
    session.scalar(select(Contact.id).where(Contact.id == contact.id).with_for_update())
    replaced = revoke_all_for_contact(session, ctx, contact.id, reason="regenerated", audit=False)
    new = credentials.new_key()
    key = ApiKey(key_id=new.key_id, company_id=contact.company_id, contact_id=contact.id,
                 secret_digest=credentials.digest_secret(pepper, new.secret), pepper_id=pepper_id,
                 created_at=ctx.now())
    session.add(key)
    session.flush()
    event = "api_key.regenerated" if replaced else "api_key.generated"
    record_event(session, ctx, event, company_id=contact.company_id, target_type="api_key",
                 target_id=key.id, target_label=new.display_prefix,
                 data={"replacedKeyIds": replaced} if replaced else {})
    if replaced:
        events.emit(session, ctx, "api_key.regenerated", company_id=contact.company_id,
                    subject_id=key.id, payload={"keyPrefix": new.display_prefix,
                                                "createdAt": unix(key.created_at)})
    return key, new.full


def revoke_key(session: Session, ctx: RequestContext, contact: Contact, key_row_id: int) -> None:
    _require_api_user(session, contact)
    key = session.get(ApiKey, key_row_id, with_for_update=True)
    if key is None or key.contact_id != contact.id:
        raise NotFound("No such API key.", code="api_key_not_found")
    if key.revoked_at is not None:
        raise AppError("This API key was revoked already.", code="api_key_revoked", status=409)
    key.revoked_at = ctx.now()
    key.revoked_reason = "revoked"
    record_event(session, ctx, "api_key.revoked", company_id=contact.company_id,
                 target_type="api_key", target_id=key.id,
                 target_label=credentials.display_prefix(key.key_id))


def revoke_all_for_contact(
    session: Session, ctx: RequestContext, contact_id: int, *, reason: str, audit: bool = True
) -> list[int]:
    """Revoke every live key of a contact; their tokens die with them (tokens check the key)."""
    rows = session.execute(
        select(ApiKey.id, ApiKey.company_id)
        .where(ApiKey.contact_id == contact_id, ApiKey.revoked_at.is_(None))
    ).all()
    ids = [row.id for row in rows]
    if ids:
        session.execute(update(ApiKey).where(ApiKey.id.in_(ids))
                        .values(revoked_at=ctx.now(), revoked_reason=reason))
        if audit:
            for row in rows:
                record_event(session, ctx, "api_key.revoked", company_id=row.company_id,
                             target_type="api_key", target_id=row.id, data={"reason": reason})
    return ids
