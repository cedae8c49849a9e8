"""Log in (password, then the second factor where one is set up or required) and log out.

Each request is one unit of work (PageSession): a refused login returns its page rather than
raising, so its audit row commits with the request; a login that passes commits the account's
bookkeeping and the browser-session record in the same transaction, before the cookie that
names the record is sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bidbridge.models import BrowserSession, Contact, SupportUser
from bidbridge.services import browser_sessions, two_factor
from bidbridge.services.accounts import get_contact_by_email, normalize_email
from bidbridge.services.audit import record_event
from bidbridge.services.context import Actor, RequestContext
from bidbridge.web.csrf import CheckedForm, text
from bidbridge.web.identity import load_user, request_context, runtime_of, safe_next
from bidbridge.web.sessions import clear_session, read_session, start_session, write_session
from bidbridge.web.templating import render, secure_headers
from bidbridge.web.unit_of_work import PageSession

router = APIRouter()

# One message for an unknown e-mail and a wrong password: the form must not reveal who has an account.
BAD_CREDENTIALS = "The e-mail address or password is not correct."
MESSAGES = {
    "logged_out": "You are logged out.",
    "session_ended": "Your session ended. Please log in again.",
}


@dataclass(frozen=True)
class Account:
    kind: str
    row: Contact | SupportUser

    @property
    def company_id(self) -> int | None:
        return self.row.company_id if isinstance(self.row, Contact) else None

    @property
    def actor(self) -> Actor:
        return Actor(self.kind, self.row.id, self.row.name, self.company_id)


def home_for(kind: str) -> str:
    # "/" sends a contact on to their start page (web/navigation.py): the bid board for a
    # subcontractor, a contractor's own start page.
    return "/support" if kind == "support" else "/"


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def too_many(wait: int) -> str:
    return f"Too many failed attempts. Try again in {wait} s."


@router.get("/login")
def login_page(request: Request, db: PageSession, next: str | None = None,
               msg: str | None = None) -> Response:
    user = load_user(request, db)
    if user is not None:
        return RedirectResponse(safe_next(next) or home_for(user.kind), status_code=303)
    return render(request, "login.html", next=safe_next(next) or "", email="",
                  message=MESSAGES.get(msg or ""))


@router.post("/login")
def login(request: Request, form: CheckedForm, db: PageSession) -> Response:
    runtime = runtime_of(request)
    email = normalize_email(text(form, "email"))
    password = form.get("password")
    password = password if isinstance(password, str) else ""
    next_path = safe_next(text(form, "next"))
    ip = client_address(request)
    throttle = runtime.login_throttle

    def again(error: str, status: int, headers: dict[str, str] | None = None) -> Response:
        response = render(request, "login.html", status=status, next=next_path or "",
                          email=email, error=error)
        response.headers.update(headers or {})
        return response

    wait = throttle.wait(email, ip)
    if wait:
        return again(too_many(wait), 429, {"Retry-After": str(wait)})
    if not email or not password:
        return again("Enter your e-mail address and your password.", 422)

    ctx = request_context(request, None)
    account = find_account(db, email)
    stored = account.row.password_hash if account else None
    # Always one argon2 verification, so an unknown e-mail costs as much as a wrong password.
    valid = runtime.passwords.verify(stored, password)
    if not valid or account is None:
        throttle.failed(email, ip)
        if account is not None:
            # Returned, not raised: the unit of work commits the audit row with the 401 page.
            audit(db, ctx, "session.login_failed", account, {"reason": "wrong_password"})
        return again(BAD_CREDENTIALS, 401)
    if not account.row.active:
        audit(db, ctx, "session.login_failed", account, {"reason": "inactive"})
        return again("This account is deactivated. Ask your company administrator (or "
                     "platform support) to reactivate it.", 403)
    throttle.succeeded(email, ip)
    if two_factor.is_enrolled(db, account.kind, account.row.id):
        stage = browser_sessions.NEEDS_CODE
    elif two_factor.is_required(db, account.kind, account.row):
        stage = browser_sessions.NEEDS_ENROLMENT
    else:
        stage = browser_sessions.ACTIVE
        finish_login(db, ctx, account)
    kind = account.kind
    session = start_session(request, runtime, db, kind, account.row.id,
                            account.row.session_version, stage)
    if stage == browser_sessions.NEEDS_CODE:
        target = "/login/two-factor"
    elif stage == browser_sessions.NEEDS_ENROLMENT:
        target = "/login/two-factor/enrol"
    else:
        target = next_path or home_for(kind)
    if stage != browser_sessions.ACTIVE and next_path:
        target += "?next=" + next_path.replace("&", "%26").replace("#", "%23")
    response = RedirectResponse(target, status_code=303)
    write_session(response, runtime, session)
    return secure_headers(response)


def finish_login(db: Session, ctx: RequestContext, account: Account) -> None:
    """Every factor given: the login counts (last login, audit)."""
    if isinstance(account.row, Contact):
        account.row.last_login_at = ctx.now()
    audit(db, ctx, "session.login", account, {})


@router.post("/logout")
def logout(request: Request, form: CheckedForm, db: PageSession) -> Response:
    runtime = runtime_of(request)
    user = load_user(request, db)
    web_session = read_session(request, runtime, db)
    if web_session is not None and web_session.record_id is not None:
        ctx = request_context(request, user)
        record = db.get(BrowserSession, web_session.record_id)
        account = load_account(db, web_session.kind, web_session.account_id)
        if record is not None and account is not None:
            browser_sessions.revoke(db, ctx, record, "logout", company_id=account.company_id,
                                    label=account.row.name)
            if user is not None:
                audit(db, ctx, "session.logout", account, {})
    response = RedirectResponse("/login?msg=logged_out", status_code=303)
    clear_session(response, runtime)
    return secure_headers(response)


def find_account(db: Session, email: str) -> Account | None:
    contact = get_contact_by_email(db, email)
    if contact is not None:
        return Account("contact", contact)
    if "\x00" in email:
        return None
    support = db.scalar(select(SupportUser).where(SupportUser.email == email))
    return Account("support", support) if support is not None else None


def load_account(db: Session, kind: str | None, account_id: int | None) -> Account | None:
    if kind is None or account_id is None:
        return None
    row = db.get(Contact, account_id) if kind == "contact" else db.get(SupportUser, account_id)
    return Account(kind, row) if row is not None else None


def audit(db: Session, ctx: RequestContext, event: str, account: Account,
          data: dict[str, str]) -> None:
    row = account.row
    # A failed attempt is nobody's act yet: the actor stays anonymous, the target is the account.
    acting = ctx if event.endswith("_failed") else ctx.acting_as(account.actor)
    record_event(db, acting, event, company_id=account.company_id,
                 target_type="contact" if account.kind == "contact" else "support_user",
                 target_id=row.id, target_label=row.name, data=data)
