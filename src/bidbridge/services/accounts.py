"""Companies, contacts and support accounts."""

from __future__ import annotations

import re

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bidbridge.errors import AppError, Conflict, NotFound
from bidbridge.ids import is_id
from bidbridge.models import (
    AccountEmail,
    Company,
    CompanyKind,
    Contact,
    ContactRole,
    ContactType,
    SupportUser,
)
from bidbridge.security.passwords import Passwords
from bidbridge.services import browser_sessions
from bidbridge.services.audit import record_event
from bidbridge.services.context import RequestContext

_DIGITS = re.compile(r"[0-9]{1,10}")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def create_company(
    session: Session, ctx: RequestContext, *, kind: CompanyKind, name: str, **fields: str | None
) -> Company:
    now = ctx.now()
    company = Company(kind=kind, name=name.strip(), created_at=now, updated_at=now, **fields)
    session.add(company)
    session.flush()
    record_event(session, ctx, "company.created", company_id=company.id, target_type="company",
                 target_id=company.id, target_label=company.name, data={"kind": kind.value})
    return company


def email_taken(session: Session, email: str) -> bool:
    """Whether any account (contact or support) holds ``email``, in any case."""
    wanted = normalize_email(email).replace("\x00", "")
    return session.scalar(select(AccountEmail.email).where(AccountEmail.email == wanted)) is not None


def _taken(email: str) -> Conflict:
    return Conflict(f"An account with e-mail {email} exists already; e-mail addresses are "
                    "shared by contacts and support accounts and must be unique in any case.",
                    code="email_taken")


def _free_email(session: Session, email: str) -> str:
    email = normalize_email(email)
    if email_taken(session, email):
        raise _taken(email)
    return email


def _insert(session: Session, account: Contact | SupportUser, email: str) -> None:
    """Add the row; the database's e-mail namespace (account_emails) settles a race."""
    try:
        with session.begin_nested():
            session.add(account)
            session.flush()
    except IntegrityError as exc:
        raise _taken(email) from exc


def create_contact(
    session: Session,
    ctx: RequestContext,
    company: Company,
    *,
    name: str,
    email: str,
    password_hash: str | None,
    role: ContactRole = ContactRole.USER,
    contact_type: ContactType = ContactType.VISIBLE,
) -> Contact:
    email = _free_email(session, email)
    now = ctx.now()
    contact = Contact(company_id=company.id, name=name.strip(), email=email,
                      password_hash=password_hash, role=role, contact_type=contact_type,
                      active=True, created_at=now, updated_at=now)
    _insert(session, contact, email)
    record_event(session, ctx, "contact.created", company_id=company.id, target_type="contact",
                 target_id=contact.id, target_label=contact.name,
                 data={"role": role.value, "contactType": contact_type.value})
    return contact


def create_support_user(
    session: Session, ctx: RequestContext, *, name: str, email: str, password_hash: str
) -> SupportUser:
    email = _free_email(session, email)
    now = ctx.now()
    user = SupportUser(name=name, email=email, password_hash=password_hash,
                       active=True, created_at=now, updated_at=now)
    _insert(session, user, email)
    record_event(session, ctx, "support_user.created", company_id=None, target_type="support_user",
                 target_id=user.id, target_label=user.name)
    return user


def set_contact_active(session: Session, ctx: RequestContext, contact: Contact, active: bool) -> None:
    """Deactivating a contact ends its sessions and its API designation; audit rows stay."""
    if contact.active == active:
        return
    contact.active = active
    contact.updated_at = ctx.now()
    contact.session_version += 1
    browser_sessions.revoke_all(session, ctx, "contact", contact.id,
                                "reactivated" if active else "deactivated")
    if not active:
        from bidbridge.services.api_access import clear_api_user_if

        clear_api_user_if(session, ctx, contact, reason="contact_deactivated")
    record_event(session, ctx, "contact.activated" if active else "contact.deactivated",
                 company_id=contact.company_id, target_type="contact", target_id=contact.id,
                 target_label=contact.name)


def change_password(
    session: Session, ctx: RequestContext, passwords: Passwords, contact: Contact,
    current: str, new: str,
) -> None:
    if not passwords.verify(contact.password_hash, current):
        raise AppError("The current password is not correct.", code="wrong_password", status=422)
    if len(new) < 10:
        raise AppError("The new password needs at least 10 characters.", code="weak_password",
                       status=422)
    contact.password_hash = passwords.hash(new)
    contact.session_version += 1
    browser_sessions.revoke_all(session, ctx, "contact", contact.id, "password_changed")
    contact.updated_at = ctx.now()
    record_event(session, ctx, "contact.password_changed", company_id=contact.company_id,
                 target_type="contact", target_id=contact.id, target_label=contact.name)


def find_company(session: Session, ref: str) -> Company:
    """A company by id or exact name (the CLI's --company)."""
    ref = ref.strip()
    if ref.isdigit():
        company = session.get(Company, int(ref))
        if company is not None:
            return company
    matches = session.scalars(select(Company).where(Company.name == ref)).all()
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        ids = ", ".join(str(c.id) for c in matches)
        raise Conflict(f"{len(matches)} companies are named {ref!r} (ids {ids}); give the id.",
                       code="ambiguous_company")
    raise NotFound(f"No company has the id or exact name {ref!r}.", code="company_not_found")


def search_companies(session: Session, text: str, limit: int = 50) -> list[Company]:
    query = select(Company).order_by(Company.name).limit(limit)
    text = text.replace("\x00", "").strip()  # PostgreSQL refuses NUL in any text
    if text:
        like = f"%{text.lower()}%"
        conditions = [func.lower(Company.name).like(like), func.lower(Company.city).like(like),
                      Company.coc_number == text]
        # Only ASCII digits within the id column ("²".isdigit() is true; 2**31 overflows).
        if _DIGITS.fullmatch(text) and is_id(int(text)):
            conditions.append(Company.id == int(text))
        query = query.where(or_(*conditions))
    return list(session.scalars(query))


def get_contact_by_email(session: Session, email: str) -> Contact | None:
    if "\x00" in email:  # no address holds one, and PostgreSQL refuses to compare it
        return None
    return session.scalar(select(Contact).where(Contact.email == normalize_email(email)))

