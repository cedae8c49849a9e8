"""getToken and the verification of X-Auth-Token on every other call."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, aliased

from bidbridge.clock import unix
from bidbridge.errors import AppError, Forbidden, Unauthorized
from bidbridge.models import ApiKey, ApiModule, ApiToken, Company, CompanyKind, Contact
from bidbridge.prepared import Prepared
from bidbridge.security import credentials
from bidbridge.services.account_reads import CompanyRow, ContactRow
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
    touch_key_id: int | None = None  # the key whose last_used_at is due (once a minute)


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
    # The user's and the company's rows as the token check read them (what getMe shows).
    contact: ContactRow
    company: CompanyRow
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


_CURRENT = aliased(ApiToken, name="current_token")
_NEWEST = (select(ApiToken.id)
           .where(ApiToken.api_key_id == ApiKey.id, ApiToken.expires_at > bindparam("now"),
                  ApiToken.pepper_id == bindparam("pepper_id"), ApiToken.revoked_at.is_(None))
           .order_by(ApiToken.expires_at.desc()).limit(1)
           .correlate(ApiKey).scalar_subquery())
# The key, its user, the company, the API module and the token valid now (if any), in one
# statement of columns on the driver's cursor (bidbridge/prepared.py).
_CREDENTIALS = Prepared(
    select(ApiKey.id.label("key_pk"), ApiKey.key_id, ApiKey.secret_digest, ApiKey.last_used_at,
           Contact.id.label("contact_id"), Contact.name.label("contact_name"), Contact.email,
           Contact.active, Contact.company_id, Company.kind,
           ApiModule.active.label("module_active"), ApiModule.api_user_id,
           ApiModule.company_id.label("module_company_id"),
           _CURRENT.nonce, _CURRENT.expires_at)
    .join(Contact, Contact.id == ApiKey.contact_id)
    .join(Company, Company.id == Contact.company_id)
    .outerjoin(ApiModule, ApiModule.company_id == ApiKey.company_id)
    .outerjoin(_CURRENT, _CURRENT.id == _NEWEST)
    .where(ApiKey.key_id == bindparam("key_id"), ApiKey.revoked_at.is_(None))
)


def issue_token(
    conn: Connection,
    open_session: Callable[[], Session],
    ctx: RequestContext,
    *,
    login: str,
    raw_key: str,
    force_new: bool,
    api: CompanyKind,
    pepper: str,
    pepper_id: str,
    ttl_seconds: int,
    write_needed: Callable[[], None] = lambda: None,
) -> IssuedToken:
    """The current token handed back (``force_new`` false and one is valid), else a new one.

    Exactly one query runs and one HMAC is compared whatever is wrong, so an unknown login,
    an unknown key and a wrong secret cost the same. Handing back changes nothing: the key's
    due ``last_used_at`` is left to the caller (``IssuedToken.touch_key_id``), which writes it
    with the request-log row. Before anything is written, ``write_needed()`` is called: a
    caller reading without a transaction stops there and calls again in one (api/call.py,
    ``read_first``); only a new token needs the ORM session (``open_session``).
    """
    parsed = credentials.parse_key(raw_key)
    key_id, secret = parsed if parsed else ("", raw_key)
    # Full precision: a token lives exactly ttl_seconds from the instant it is minted; the
    # answer's expireDate and expiresIn round down, so they never promise more than that.
    now = ctx.now()
    row = _CREDENTIALS.first(conn, key_id=key_id, now=now, pepper_id=pepper_id)
    stored = row.secret_digest if row else credentials.DUMMY_DIGEST
    secret_ok = credentials.secret_matches(pepper, secret, stored)
    login_ok = hmac.compare_digest((row.email if row else "").encode(),
                                   login.strip().lower().encode())
    if row is None or not (secret_ok and login_ok):
        raise invalid_credentials()
    if (not row.active or row.module_company_id is None or row.api_user_id != row.contact_id
            or row.kind != api):
        raise invalid_credentials()
    if not row.module_active:
        raise api_not_activated(row.kind)
    due = row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION
    touch = row.key_pk if due else None
    if not force_new and row.nonce is not None:
        left = int((row.expires_at - now).total_seconds())
        return IssuedToken(credentials.derive_token(pepper, row.nonce), row.expires_at, left,
                           False, row.company_id, row.contact_id, row.contact_name, touch)
    write_needed()
    session = open_session()
    nonce = credentials.new_nonce()
    token = credentials.derive_token(pepper, nonce)
    issued = ApiToken(api_key_id=row.key_pk, nonce=nonce, pepper_id=pepper_id,
                      token_digest=credentials.token_lookup_digest(token), issued_at=now,
                      expires_at=now + timedelta(seconds=ttl_seconds))
    session.add(issued)
    session.flush()
    actor_ctx = ctx.acting_as(Actor("contact", row.contact_id, row.contact_name, row.company_id))
    record_event(session, actor_ctx, "token.issued", company_id=row.company_id,
                 target_type="api_token", target_id=issued.id,
                 data={"apiKey": credentials.display_prefix(row.key_id), "forceNew": force_new,
                       "expireDate": unix(issued.expires_at)})
    return IssuedToken(token, issued.expires_at, ttl_seconds, True, row.company_id,
                       row.contact_id, row.contact_name, touch)


# Columns, not entities: verifying a token on every call builds one row tuple, no ORM objects;
# run on the driver's cursor (bidbridge/prepared.py).
_TOKEN_COLUMNS = (
    ApiToken.id.label("token_id"), ApiToken.expires_at,
    ApiToken.revoked_at.label("token_revoked_at"), ApiKey.id.label("key_id"),
    ApiKey.revoked_at, ApiKey.last_used_at, ApiModule.active.label("module_active"),
    ApiModule.api_user_id, ApiModule.company_id.label("module_company_id"))
# The user and the company whole (what getMe shows): the join reads their rows anyway, and getMe
# then needs no statement of its own.
_CONTACT_AT = slice(len(_TOKEN_COLUMNS), len(_TOKEN_COLUMNS) + len(ContactRow._fields))
_COMPANY_AT = slice(_CONTACT_AT.stop, _CONTACT_AT.stop + len(CompanyRow._fields))
_AUTHENTICATE = Prepared(
    select(*_TOKEN_COLUMNS,
           *(getattr(Contact, c).label("contact__" + c) for c in ContactRow._fields),
           *(getattr(Company, c).label("company__" + c) for c in CompanyRow._fields))
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
        exc.subject = (row.company__id, row.contact__id, row.contact__name)
        raise


def _check(now: datetime, row: Any, api: CompanyKind) -> Principal:
    if (row.revoked_at is not None or not row.contact__active or row.module_company_id is None
            or row.api_user_id != row.contact__id or row.company__kind != api):
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
        raise api_not_activated(row.company__kind)
    # Throttled: at most one write a minute per key, not one per call.
    touch = row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION
    contact = ContactRow._make(row[_CONTACT_AT])
    company = CompanyRow._make(row[_COMPANY_AT])
    return Principal(contact_id=contact.id, contact_name=contact.name,
                     contact_email=contact.email, company_id=company.id,
                     company_name=company.name, company_kind=company.kind,
                     api_key_id=row.key_id, token_id=row.token_id,
                     token_expires_at=row.expires_at, touch_key=touch, contact=contact,
                     company=company)



