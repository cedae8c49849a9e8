"""The second step of logging in (a TOTP or recovery code) and enrolling a second factor.

One unit of work per request (PageSession). A code is checked in a savepoint: a wrong one undoes
only the check, and the failed attempt's audit row commits with the page that says so.
"""

from __future__ import annotations

import segno
from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bidbridge.errors import AppError
from bidbridge.models import BrowserSession
from bidbridge.services import browser_sessions, two_factor
from bidbridge.services.runtime import Runtime
from bidbridge.web.csrf import CheckedForm, text
from bidbridge.web.identity import request_context, runtime_of, safe_next
from bidbridge.web.login import (
    Account,
    audit,
    client_address,
    finish_login,
    home_for,
    load_account,
    too_many,
)
from bidbridge.web.sessions import WebSession, read_session, write_session
from bidbridge.web.templating import render, secure_headers
from bidbridge.web.unit_of_work import PageSession, attempt

router = APIRouter()


def keys(runtime: Runtime) -> two_factor.Keys:
    return two_factor.Keys(runtime.settings.secret_key, runtime.settings.pepper)


def _current(request: Request, db: Session, *stages: str) -> tuple[WebSession, Account] | None:
    """This browser's session in one of ``stages``, with its (active, current) account."""
    session = read_session(request, runtime_of(request), db)
    if session is None or session.stage not in stages:
        return None
    account = load_account(db, session.kind, session.account_id)
    if account is None or not account.row.active or \
            account.row.session_version != session.version:
        return None
    return session, account


def _to_login() -> Response:
    return secure_headers(RedirectResponse("/login?msg=session_ended", status_code=303))


@router.get("/login/two-factor")
def code_page(request: Request, db: PageSession, next: str | None = None) -> Response:
    if _current(request, db, browser_sessions.NEEDS_CODE) is None:
        return _to_login()
    return render(request, "two_factor/code.html", next=safe_next(next) or "")


@router.post("/login/two-factor")
def check_code(request: Request, form: CheckedForm, db: PageSession) -> Response:
    runtime = runtime_of(request)
    current = _current(request, db, browser_sessions.NEEDS_CODE)
    if current is None:
        return _to_login()
    session, account = current
    next_path = safe_next(text(form, "next"))
    email, ip = account.row.email, client_address(request)
    throttle = runtime.login_throttle

    def again(error: str, status: int, headers: dict[str, str] | None = None) -> Response:
        response = render(request, "two_factor/code.html", status=status, next=next_path or "",
                          error=error)
        response.headers.update(headers or {})
        return response

    wait = throttle.wait(email, ip)
    if wait:  # a wrong code costs like a wrong password, in the same budget
        return again(too_many(wait), 429, {"Retry-After": str(wait)})
    ctx = request_context(request, None)

    def second_factor() -> str:
        two_factor.verify(db, ctx, keys(runtime), account.kind, account.row.id,
                          text(form, "code"), company_id=account.company_id,
                          label=account.row.name)
        record = db.get(BrowserSession, session.record_id)
        assert record is not None
        key = browser_sessions.promote(db, record)
        finish_login(db, ctx, account)
        return key

    try:
        key = attempt(db, second_factor)
    except AppError as exc:
        throttle.failed(email, ip)
        # The savepoint undid the check only; this row commits with the page that refuses.
        audit(db, ctx, "session.login_failed", account, {"reason": "wrong_code"})
        return again(exc.detail, exc.status)
    throttle.succeeded(email, ip)
    response = RedirectResponse(next_path or home_for(account.kind), status_code=303)
    write_session(response, runtime, WebSession(
        csrf=session.csrf, kind=account.kind, account_id=account.row.id, version=session.version,
        key=key, record_id=session.record_id))
    return secure_headers(response)


def _enrol_page(request: Request, db: Session, account: Account, *, next_path: str,
                status: int = 200, error: str | None = None) -> Response:
    runtime = runtime_of(request)
    ctx = request_context(request, None)
    secret = two_factor.pending_secret(db, ctx, keys(runtime), account.kind, account.row.id)
    uri = two_factor.provisioning_uri(secret, account.row.email)
    qr = segno.make(uri, error="m").svg_data_uri(scale=5, border=2)
    return render(request, "two_factor/enrol.html", status=status, qr=qr,
                  secret=" ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
                  next=next_path, error=error, required=account.kind == "support")


@router.get("/login/two-factor/enrol")
def enrol_page(request: Request, db: PageSession, next: str | None = None) -> Response:
    current = _current(request, db, browser_sessions.NEEDS_ENROLMENT, browser_sessions.ACTIVE)
    if current is None:
        return _to_login()
    if two_factor.is_enrolled(db, current[1].kind, current[1].row.id):
        return secure_headers(RedirectResponse("/account/security", status_code=303))
    return _enrol_page(request, db, current[1], next_path=safe_next(next) or "")


@router.post("/login/two-factor/enrol")
def confirm_enrolment(request: Request, form: CheckedForm, db: PageSession) -> Response:
    runtime = runtime_of(request)
    current = _current(request, db, browser_sessions.NEEDS_ENROLMENT, browser_sessions.ACTIVE)
    if current is None:
        return _to_login()
    session, account = current
    next_path = safe_next(text(form, "next")) or ""
    email, ip = account.row.email, client_address(request)
    throttle = runtime.login_throttle
    wait = throttle.wait(email, ip)
    if wait:
        return _enrol_page(request, db, account, next_path=next_path, status=429,
                           error=too_many(wait))
    acting = account.row
    # The password was given already: enrolling is the account's own act.
    ctx = request_context(request, None).acting_as(account.actor)

    def enrol() -> tuple[list[str], str | None]:
        codes = two_factor.confirm(db, ctx, keys(runtime), account.kind, acting.id,
                                   text(form, "code"), company_id=account.company_id,
                                   label=acting.name)
        if session.is_active:
            return codes, None
        record = db.get(BrowserSession, session.record_id)
        assert record is not None
        key = browser_sessions.promote(db, record)
        finish_login(db, ctx, account)
        return codes, key

    try:
        codes, key = attempt(db, enrol)
    except AppError as exc:
        throttle.failed(email, ip)
        return _enrol_page(request, db, account, next_path=next_path, status=exc.status,
                           error=exc.detail)
    throttle.succeeded(email, ip)
    done = next_path or ("/account/security" if session.is_active else home_for(account.kind))
    response = render(request, "two_factor/codes.html", codes=codes, done=done)
    if key is not None:
        write_session(response, runtime, WebSession(
            csrf=session.csrf, kind=account.kind, account_id=acting.id, version=session.version,
            key=key, record_id=session.record_id))
    return response
