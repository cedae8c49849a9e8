"""The browser session: a signed cookie with a CSRF token and the key of a server-side record.

The record (``browser_sessions``) is what makes a session: logging out, ending it from the
Security tab, a password change or a deactivation revokes it, and a replayed cookie is then
nobody — with a CSRF token that no longer matches any session. The cookie is still signed and
time-limited, and still carries the account's ``session_version`` (bumped on password change or
deactivation), so either check alone ends a session.

Nothing here opens a database session: reading and starting a record happen in the request's
unit of work (web/unit_of_work.py), so a login's account checks, its audit row and the record the
cookie names commit together, before the response that sets the cookie leaves.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from bidbridge.clock import unix
from bidbridge.services import browser_sessions
from bidbridge.services.context import Actor, RequestContext
from bidbridge.services.runtime import Runtime

COOKIE_NAME = "bidbridge_session"
_SALT = "bidbridge.web.session"
_UNSET = object()  # "not read yet", as opposed to None, "no valid session"


@dataclass(frozen=True)
class WebSession:
    """What the cookie and its record say: a CSRF token, and the account when there is one."""

    csrf: str
    kind: str | None = None  # "contact" or "support"
    account_id: int | None = None
    version: int | None = None
    key: str | None = None  # the record's raw key (cookie only)
    record_id: int | None = None
    stage: str = browser_sessions.ACTIVE

    @classmethod
    def anonymous(cls) -> WebSession:
        return cls(csrf=secrets.token_urlsafe(32))

    @property
    def is_active(self) -> bool:
        return self.kind is not None and self.stage == browser_sessions.ACTIVE

    def as_dict(self) -> dict[str, Any]:
        return {"c": self.csrf, "s": self.key, "v": self.version}


def _serializer(runtime: Runtime) -> URLSafeTimedSerializer:
    clock = runtime.clock

    class ClockSigner(TimestampSigner):
        # Ages are measured on the runtime's clock, so tests can move time instead of sleeping.
        def get_timestamp(self) -> int:
            return unix(clock.now())

    return URLSafeTimedSerializer(runtime.settings.secret_key, salt=_SALT, signer=ClockSigner)


def _client(request: Request) -> tuple[str | None, str | None]:
    return (request.client.host if request.client else None,
            (request.headers.get("user-agent") or "")[:500] or None)


def read_session(request: Request, runtime: Runtime, db: Session) -> WebSession | None:
    """The request's session, or None when the cookie is missing, forged, too old, or its record
    is revoked or expired. Read once per request (cached on request.state), in ``db``."""
    cached = getattr(request.state, "web_session", _UNSET)
    if cached is None or isinstance(cached, WebSession):
        return cached
    raw = request.cookies.get(COOKIE_NAME)
    session = None
    if raw:
        try:
            data = _serializer(runtime).loads(raw, max_age=runtime.settings.session_max_age_seconds)
            session = _from_dict(data, request, runtime, db)
        except (BadSignature, ValueError, TypeError, KeyError):
            session = None
    request.state.web_session = session
    return session


def _from_dict(data: Any, request: Request, runtime: Runtime, db: Session) -> WebSession | None:
    if not isinstance(data, dict) or not isinstance(data.get("c"), str):
        raise ValueError("not a session")
    key = data.get("s")
    if key is None:
        return WebSession(csrf=data["c"])
    if not isinstance(key, str):
        raise ValueError("not a session key")
    now = runtime.clock.now()
    ip, agent = _client(request)
    row = browser_sessions.find(db, key, now)
    if row is None:
        return None  # revoked or expired: the whole cookie is void, CSRF token included
    # Last seen is bookkeeping of the request's unit of work: a request that fails rolls it back
    # with everything else, and the next one (at most a minute later) writes it.
    browser_sessions.touch(db, row, now, ip, agent)
    return WebSession(csrf=data["c"], kind=row.account_kind, account_id=row.account_id,
                      version=data.get("v"), key=key, record_id=row.id, stage=row.stage)


def start_session(request: Request, runtime: Runtime, db: Session, kind: str, account_id: int,
                  version: int, stage: str) -> WebSession:
    """A new server-side record for this browser, in the request's unit of work; a fresh CSRF
    token with it, so a token seen before the login is useless after it."""
    ip, agent = _client(request)
    ctx = RequestContext(actor=Actor(kind, account_id, ""), clock=runtime.clock, client_ip=ip,
                         user_agent=agent)
    key, row = browser_sessions.start(db, ctx, kind=kind, account_id=account_id, stage=stage,
                                      max_age_seconds=runtime.settings.session_max_age_seconds)
    return WebSession(csrf=secrets.token_urlsafe(32), kind=kind, account_id=account_id,
                      version=version, key=key, record_id=row.id, stage=stage)


def write_session(response: Response, runtime: Runtime, session: WebSession) -> None:
    """Set the cookie. A signed-in session must have its record (start_session) already."""
    assert session.kind is None or session.key is not None, "a signed-in session without record"
    settings = runtime.settings
    response.set_cookie(
        COOKIE_NAME, _serializer(runtime).dumps(session.as_dict()),
        max_age=settings.session_max_age_seconds, path="/", httponly=True, samesite="lax",
        secure=settings.secure_cookies,
    )


def clear_session(response: Response, runtime: Runtime) -> None:
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="lax",
                           secure=runtime.settings.secure_cookies)
