"""Who is signed in: the account behind the session cookie, checked against the database.

The checks read in the request's unit of work (web/unit_of_work.py, which also holds the
dependencies ``signed_in``, ``contact_user`` and ``support_user``): a page does one session.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy.orm import Session
from starlette.requests import Request

from bidbridge.models import Company, CompanyKind, Contact, ContactRole, SupportUser
from bidbridge.services import api_access
from bidbridge.services.context import Actor, RequestContext
from bidbridge.services.runtime import Runtime
from bidbridge.web.sessions import read_session

_UNSET = object()


@dataclass(frozen=True)
class WebUser:
    """A snapshot of the signed-in account, enough to draw the page chrome and pick tabs."""

    kind: str  # "contact" or "support"
    id: int
    name: str
    email: str
    company_id: int | None = None
    company_name: str | None = None
    company_kind: str | None = None
    role: str | None = None
    api_module_active: bool = False

    @property
    def is_support(self) -> bool:
        return self.kind == "support"

    @property
    def is_admin(self) -> bool:
        return self.role == ContactRole.ADMINISTRATOR.value

    @property
    def manages_api_module(self) -> bool:
        """A contractor's administrator switches its own API module (support does it for others)."""
        return self.is_admin and self.company_kind == CompanyKind.CONTRACTOR.value

    @property
    def actor(self) -> Actor:
        return Actor(self.kind, self.id, self.name, self.company_id)


class LoginRequired(Exception):
    """No valid session: the browser is sent to the login page, then back."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def load_user(request: Request, db: Session) -> WebUser | None:
    """The signed-in account, or None. An inactive account or an outdated session is nobody.
    Read once per request (cached on request.state), in ``db``."""
    cached = getattr(request.state, "web_user", _UNSET)
    if cached is None or isinstance(cached, WebUser):
        return cached
    session = read_session(request, runtime_of(request), db)
    user = None
    if session is not None and session.is_active and session.account_id is not None:
        if session.kind == "contact":
            contact = db.get(Contact, session.account_id)
            if contact and contact.active and contact.session_version == session.version:
                company = db.get(Company, contact.company_id)
                assert company is not None
                user = WebUser("contact", contact.id, contact.name, contact.email,
                               company.id, company.name, company.kind.value,
                               contact.role.value,
                               api_access.is_active(db, company.id))
        elif session.kind == "support":
            support = db.get(SupportUser, session.account_id)
            if support and support.active and support.session_version == session.version:
                user = WebUser("support", support.id, support.name, support.email)
    request.state.web_user = user
    return user


def next_path(request: Request) -> str:
    """Where the login page sends the browser back to: this address."""
    path = request.url.path
    return path + ("?" + request.url.query if request.url.query else "")


def request_context(request: Request, user: WebUser | None) -> RequestContext:
    actor = user.actor if user else Actor("anonymous", None, "anonymous")
    return RequestContext(
        actor=actor, clock=runtime_of(request).clock, request_id=request.state.request_id,
        client_ip=request.client.host if request.client else None,
        user_agent=(request.headers.get("user-agent") or "")[:500] or None,
    )


def login_url(next_path: str) -> str:
    return "/login?next=" + quote(next_path, safe="/")


def safe_next(value: str | None) -> str | None:
    """Only a path on this site: never '//evil.example' or 'https://...' (open redirect)."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return None
    # Browsers drop tabs and newlines and read a backslash as "/": "/<tab>/evil.example"
    # would leave the site.
    if any(ch <= " " or ch == "\\" or ch == "\x7f" for ch in value):
        return None
    return value
