"""getToken and the verification of X-Auth-Token on every other call."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bidbridge.clock import unix
from bidbridge.errors import AppError, Forbidden, Unauthorized
from bidbridge.models import ApiKey, ApiModule, ApiToken, Company, CompanyKind, Contact
from bidbridge.prepared import Prepared
from bidbridge.security import credentials
from bidbridge.services.audit import record_event
from bidbridge.services.context import Actor, RequestContext

LAST_USED_RESOLUTION = timedelta(seconds=60)


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime
    # Whole seconds from the moment of issue to expires_at: the full lifetime for a new token,
    # what is left for one handed back within its hour.
    expires_in: int
    new: bool
    company_id: int
    contact_id: int
    contact_name: str


@dataclass(frozen=True)
class Principal:
    """The API user a valid token speaks for."""

    contact_id: int
    contact_name: str
    contact_email: str
    company_id: int
    company_name: str
    company_kind: CompanyKind
    api_key_id: int
    token_id: int
    token_expires_at: datetime
    touch_key: bool = False  # the key's last_used_at is due for an update (once a minute)

    @property
    def actor(self) -> Actor:
        return Actor(kind="contact", id=self.contact_id, name=self.contact_name,
                     company_id=self.company_id)


def invalid_credentials() -> Unauthorized:
    return Unauthorized(
        "The login and API key do not match an active API key. Check both, or generate a new key "
        "in My Account → API.",
        code="invalid_credentials",
    )


def api_not_activated(kind: CompanyKind = CompanyKind.SUBCONTRACTOR) -> Forbidden:
    who = ("Contact platform support to activate it." if kind == CompanyKind.SUBCONTRACTOR else
           "A company administrator activates it in the company settings.")
    return Forbidden(f"The API module of this company is not active. {who}",
                     code="api_not_activated")


def check_credentials(
    session: Session, login: str, raw_key: str, *, pepper: str
) -> tuple[ApiKey, Contact, ApiModule | None] | None:
    """The key and its API user when login and key match, else None.

    Exactly one query runs and one HMAC is compared whatever is wrong, so an unknown login,
    an unknown key and a wrong secret cost the same.
    """
    parsed = credentials.parse_key(raw_key)
    key_id, secret = parsed if parsed else ("", raw_key)
    row = session.execute(
        select(ApiKey, Contact, ApiModule)
        .join(Contact, Contact.id == ApiKey.contact_id)
        .outerjoin(ApiModule, ApiModule.company_id == ApiKey.company_id)
        .where(ApiKey.key_id == key_id, ApiKey.revoked_at.is_(None))
    ).first()
    stored = row[0].secret_digest if row else credentials.DUMMY_DIGEST
    secret_ok = credentials.secret_matches(pepper, secret, stored)
    login_ok = hmac.compare_digest(
        (row[1].email if row else "").encode(), login.strip().lower().encode()
    )
    if row is None or not (secret_ok and login_ok):
        return None
    key, contact, module = row
    if not contact.active or module is None or module.api_user_id != contact.id:
        return None
    return key, contact, module


def issue_token(
    session: Session,
    ctx: RequestContext,
    *,
    login: str,
    raw_key: str,
    force_new: bool,
    api: CompanyKind,
    pepper: str,
    pepper_id: str,
    ttl_seconds: int,
) -> IssuedToken:
    found = check_credentials(session, login, raw_key, pepper=pepper)
    if found is None:
        raise invalid_credentials()
    key, contact, module = found
    company = session.get(Company, contact.company_id)
    assert company is not None
    if company.kind != api:
        raise invalid_credentials()
    if module is None or not module.active:
        raise api_not_activated(company.kind)
    # Full precision: a token lives exactly ttl_seconds from the instant it is minted; the
    # answer's expireDate and expiresIn round down, so they never promise more than that.
    now = ctx.now()
    _touch_key(key, now)
    actor_ctx = ctx.acting_as(Actor("contact", contact.id, contact.name, contact.company_id))
    if not force_new:
        current = session.scalar(
            select(ApiToken)
            .where(ApiToken.api_key_id == key.id, ApiToken.expires_at > now,
                   ApiToken.pepper_id == pepper_id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.expires_at.desc()).limit(1)
        )
        if current is not None:
            left = int((current.expires_at - now).total_seconds())
            return IssuedToken(credentials.derive_token(pepper, current.nonce), current.expires_at,
                               left, False, contact.company_id, contact.id, contact.name)
    nonce = credentials.new_nonce()
    token = credentials.derive_token(pepper, nonce)
    row = ApiToken(api_key_id=key.id, nonce=nonce, pepper_id=pepper_id,
                   token_digest=credentials.token_lookup_digest(token), issued_at=now,
                   expires_at=now + timedelta(seconds=ttl_seconds))
    session.add(row)
    session.flush()
    record_event(session, actor_ctx, "token.issued", company_id=contact.company_id,
                 target_type="api_token", target_id=row.id,
                 data={"apiKey": credentials.display_prefix(key.key_id), "forceNew": force_new,
                       "expireDate": unix(row.expires_at)})
    return IssuedToken(token, row.expires_at, ttl_seconds, True, contact.company_id, contact.id,
                       contact.name)


# Columns, not entities: verifying a token on every call builds one row tuple, no ORM objects;
# run on the driver's cursor (bidbridge/prepared.py).
_AUTHENTICATE = Prepared(
    select(ApiToken.id.label("token_id"), ApiToken.expires_at,
           ApiToken.revoked_at.label("token_revoked_at"), ApiKey.id.label("key_id"),
           ApiKey.revoked_at, ApiKey.last_used_at, Contact.id.label("contact_id"),
           Contact.name.label("contact_name"), Contact.email, Contact.active,
           Company.id.label("company_id"), Company.name.label("company_name"), Company.kind,
           ApiModule.active.label("module_active"), ApiModule.api_user_id,
           ApiModule.company_id.label("module_company_id"))
    .join(ApiKey, ApiKey.id == ApiToken.api_key_id)
    .join(Contact, Contact.id == ApiKey.contact_id)
    .join(Company, Company.id == Contact.company_id)
    .outerjoin(ApiModule, ApiModule.company_id == Company.id)
    .where(ApiToken.token_digest == bindparam("digest"))
)


def authenticate(db: Session | Connection, now: datetime, raw_token: str, api: CompanyKind
                 ) -> Principal:
    """Resolve X-Auth-Token to its API user in one query, or raise the precise refusal.

    Writes nothing: a due update of the key's last_used_at is left to the caller
    (``Principal.touch_key``), which makes it with the request-log row.
    """
    digest = credentials.token_lookup_digest(raw_token)
    # On the connection: a Core statement needs none of the ORM's execution machinery.
    conn = db.connection() if isinstance(db, Session) else db
    row = _AUTHENTICATE.first(conn, digest=digest)
    if row is None:
        raise Unauthorized(
            "The X-Auth-Token is not a valid token. Request a new token with your API key "
            "(getToken).", code="token_invalid")
    try:
        return _check(now, row, api)
    except AppError as exc:
        # The request log still names whose token was refused, so the company sees it.
        exc.subject = (row.company_id, row.contact_id, row.contact_name)
        raise


def _check(now: datetime, row: Any, api: CompanyKind) -> Principal:
    if (row.revoked_at is not None or not row.active or row.module_company_id is None
            or row.api_user_id != row.contact_id or row.kind != api):
        raise Unauthorized(
            "This token is no longer valid: the API key it was issued for was regenerated or "
            "revoked, or its user is no longer the API user. Request a new token with a current "
            "API key.", code="token_invalid")
    if row.token_revoked_at is not None and row.module_active:
        raise Unauthorized(
            "This token was issued before the company's API module was switched off, and stays "
            "invalid now that it is on again. Request a new token with your API key (getToken).",
            code="token_invalid")
    if now >= row.expires_at:
        raise Unauthorized(
            f"The token expired at {row.expires_at.isoformat()} (unix "
            f"{unix(row.expires_at)}). Request a new token with your API key (getToken).",
            code="token_expired", data={"expiredAt": unix(row.expires_at)})
    if not row.module_active:
        raise api_not_activated(row.kind)
    # Throttled: at most one write a minute per key, not one per call.
    touch = row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION
    return Principal(contact_id=row.contact_id, contact_name=row.contact_name,
                     contact_email=row.email, company_id=row.company_id,
                     company_name=row.company_name, company_kind=row.kind,
                     api_key_id=row.key_id, token_id=row.token_id,
                     token_expires_at=row.expires_at, touch_key=touch)


def _touch_key(key: ApiKey, now: datetime) -> None:
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        key.last_used_at = now

