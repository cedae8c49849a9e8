"""The browser session: a signed, time-limited cookie holding the account and a CSRF token.

Nothing is stored server-side. A session ends when its cookie is older than
``session_max_age_seconds`` or when the account's ``session_version`` moved on (password change,
deactivation), so such events end every browser session of that account at once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from bidbridge.clock import unix
from bidbridge.services.runtime import Runtime

COOKIE_NAME = "bidbridge_session"
_SALT = "bidbridge.web.session"
_UNSET = object()  # "not read yet", as opposed to None, "no valid session"


@dataclass(frozen=True)
class WebSession:
    """What the cookie says: a CSRF token, and the signed-in account when there is one."""

    csrf: str
    kind: str | None = None  # "contact" or "support"
    account_id: int | None = None
    version: int | None = None

    @classmethod
    def anonymous(cls) -> WebSession:
        return cls(csrf=secrets.token_urlsafe(32))

    @classmethod
    def signed_in(cls, kind: str, account_id: int, version: int) -> WebSession:
        # A fresh CSRF token at every login: a token seen before login is useless after it.
        return cls(csrf=secrets.token_urlsafe(32), kind=kind, account_id=account_id,
                   version=version)

    def as_dict(self) -> dict[str, Any]:
        return {"c": self.csrf, "k": self.kind, "i": self.account_id, "v": self.version}


def _serializer(runtime: Runtime) -> URLSafeTimedSerializer:
    clock = runtime.clock

    class ClockSigner(TimestampSigner):
        # Ages are measured on the runtime's clock, so tests can move time instead of sleeping.
        def get_timestamp(self) -> int:
            return unix(clock.now())

    return URLSafeTimedSerializer(runtime.settings.secret_key, salt=_SALT, signer=ClockSigner)


def read_session(request: Request, runtime: Runtime) -> WebSession | None:
    """The request's session, or None when the cookie is missing, forged or too old."""
    cached = getattr(request.state, "web_session", _UNSET)
    if cached is None or isinstance(cached, WebSession):
        return cached
    raw = request.cookies.get(COOKIE_NAME)
    session = None
    if raw:
        try:
            data = _serializer(runtime).loads(raw, max_age=runtime.settings.session_max_age_seconds)
            session = _from_dict(data)
        except (BadSignature, ValueError, TypeError, KeyError):
            session = None
    request.state.web_session = session
    return session


def _from_dict(data: Any) -> WebSession:
    if not isinstance(data, dict) or not isinstance(data.get("c"), str):
        raise ValueError("not a session")
    kind = data.get("k")
    if kind not in (None, "contact", "support"):
        raise ValueError("unknown account kind")
    return WebSession(csrf=data["c"], kind=kind, account_id=data.get("i"), version=data.get("v"))


def write_session(response: Response, runtime: Runtime, session: WebSession) -> None:
    settings = runtime.settings
    response.set_cookie(
        COOKIE_NAME, _serializer(runtime).dumps(session.as_dict()),
        max_age=settings.session_max_age_seconds, path="/", httponly=True, samesite="lax",
        secure=settings.secure_cookies,
    )


def clear_session(response: Response, runtime: Runtime) -> None:
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="lax",
                           secure=runtime.settings.secure_cookies)


