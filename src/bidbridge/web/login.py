"""Log in and log out, with throttling of failed attempts per e-mail and per client IP."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bidbridge.models import Contact, SupportUser
from bidbridge.services.accounts import get_contact_by_email, normalize_email
from bidbridge.services.audit import record_event
from bidbridge.services.context import Actor, RequestContext
from bidbridge.web.csrf import checked_form, text
from bidbridge.web.identity import load_user, request_context, runtime_of, safe_next
from bidbridge.web.sessions import WebSession, clear_session, write_session
from bidbridge.web.templating import render, secure_headers

router = APIRouter()

# One message for an unknown e-mail and a wrong password: the form must not reveal who has an account.
BAD_CREDENTIALS = "The e-mail address or password is not correct."
MESSAGES = {
    "logged_out": "You are logged out.",
    "session_ended": "Your session ended. Please log in again.",
}


@dataclass(frozen=True)
class _Account:
    kind: str
    row: Contact | SupportUser


def home_for(kind: str) -> str:
    # "/" sends a contact on to their start page (web/navigation.py): the bid board for a
    # subcontractor, a contractor's own start page.
    return "/support" if kind == "support" else "/"


@router.get("/login")
def login_page(request: Request, next: str | None = None, msg: str | None = None) -> Response:
    user = load_user(request)
    if user is not None:
        return RedirectResponse(safe_next(next) or home_for(user.kind), status_code=303)
    return render(request, "login.html", next=safe_next(next) or "", email="",
                  message=MESSAGES.get(msg or ""))


@router.post("/login")
def login(request: Request, form: FormData = Depends(checked_form)) -> Response:
    runtime = runtime_of(request)
    email = normalize_email(text(form, "email"))
    password = form.get("password")
    password = password if isinstance(password, str) else ""
    next_path = safe_next(text(form, "next"))
    ip = request.client.host if request.client else "unknown"
    keys = [f"web-login:email:{email}", f"web-login:ip:{ip}"]
    settings = runtime.settings

    def again(error: str, status: int, headers: dict[str, str] | None = None) -> Response:
        response = render(request, "login.html", status=status, next=next_path or "",
                          email=email, error=error)
        response.headers.update(headers or {})
        return response

    wait = max(runtime.failures.retry_after(k, settings.login_failure_limit) for k in keys)
    if wait:
        return again(f"Too many failed attempts. Try again in {wait} s.", 429,
                     {"Retry-After": str(wait)})
    if not email or not password:
        return again("Enter your e-mail address and your password.", 422)

    ctx = request_context(request, None)
    with runtime.sessions() as db, db.begin():
        account = _find_account(db, email)
        stored = account.row.password_hash if account else None
        # Always one argon2 verification, so an unknown e-mail costs as much as a wrong password.
        valid = runtime.passwords.verify(stored, password)
        if not valid or account is None:
            for key in keys:
                runtime.failures.add_failure(key, settings.auth_failure_window_seconds)
            if account is not None:
                _audit(db, ctx, "session.login_failed", account, {"reason": "wrong_password"})
            return again(BAD_CREDENTIALS, 401)
        if not account.row.active:
            _audit(db, ctx, "session.login_failed", account, {"reason": "inactive"})
            return again("This account is deactivated. Ask your company administrator (or "
                         "platform support) to reactivate it.", 403)
        # Only the e-mail's budget is reset: one good login must not buy an IP more guesses.
        runtime.failures.reset(keys[0])
        if isinstance(account.row, Contact):
            account.row.last_login_at = ctx.now()
        _audit(db, ctx, "session.login", account, {})
        session = WebSession.signed_in(account.kind, account.row.id, account.row.session_version)
    response = RedirectResponse(next_path or home_for(account.kind), status_code=303)
    write_session(response, runtime, session)
    return secure_headers(response)


@router.post("/logout")
def logout(request: Request, form: FormData = Depends(checked_form)) -> Response:
    runtime = runtime_of(request)
    user = load_user(request)
    if user is not None:
        ctx = request_context(request, user)
        with runtime.sessions() as db, db.begin():
            row: Contact | SupportUser | None = (
                db.get(Contact, user.id) if user.kind == "contact" else db.get(SupportUser, user.id))
            if row is not None:
                _audit(db, ctx, "session.logout", _Account(user.kind, row), {})
    response = RedirectResponse("/login?msg=logged_out", status_code=303)
    clear_session(response, runtime)
    return secure_headers(response)


def _find_account(db: Session, email: str) -> _Account | None:
    contact = get_contact_by_email(db, email)
    if contact is not None:
        return _Account("contact", contact)
    support = db.scalar(select(SupportUser).where(SupportUser.email == email))
    return _Account("support", support) if support is not None else None


def _audit(db: Session, ctx: RequestContext, event: str, account: _Account,
           data: dict[str, str]) -> None:
    row = account.row
    company_id = row.company_id if isinstance(row, Contact) else None
    actor = Actor(account.kind, row.id, row.name, company_id)
    # A failed attempt is nobody's act yet: the actor stays anonymous, the target is the account.
    acting = ctx if event == "session.login_failed" else ctx.acting_as(actor)
    record_event(db, acting, event, company_id=company_id,
                 target_type="contact" if account.kind == "contact" else "support_user",
                 target_id=row.id, target_label=row.name, data=data)
