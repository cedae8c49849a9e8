"""My Account → Security (and the support console's Security page): the signed-in browsers of
the account, ending one or all of them, two-factor login, and an administrator's requirement
of two-factor login for the whole company."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from ua_parser import parse as parse_user_agent

from bidbridge.errors import AppError
from bidbridge.models import Company, Contact
from bidbridge.services import browser_sessions, two_factor
from bidbridge.services.audit import record_event
from bidbridge.services.context import RequestContext
from bidbridge.web.csrf import CheckedForm, text
from bidbridge.web.fields import record_id
from bidbridge.web.identity import WebUser
from bidbridge.web.sessions import read_session
from bidbridge.web.templating import render, secure_headers
from bidbridge.web.two_factor import keys
from bidbridge.web.unit_of_work import Acting, ActingPerson

router = APIRouter()

MESSAGES = {
    "ended": "That session is ended: its browser is logged out.",
    "ended_others": "Every other session is ended.",
    "two_factor_off": "Two-factor login is off.",
    "required": "Everyone at your company now logs in with a second factor.",
    "optional": "Two-factor login is optional again at your company.",
}


def device(user_agent: str | None) -> str:
    """'Firefox on Windows', from the User-Agent (ua-parser keeps the patterns up to date)."""
    if not user_agent:
        return "Unknown device"
    parsed = parse_user_agent(user_agent)
    browser = parsed.user_agent.family if parsed.user_agent else None
    system = parsed.os.family if parsed.os else None
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown device"


def _path(user: WebUser) -> str:
    return "/support/security" if user.is_support else "/account/security"


def _page(request: Request, acting: Acting, *, status: int = 200, message: str | None = None,
          error: str | None = None) -> Response:
    db, user, runtime = acting.db, acting.user, acting.runtime
    current = read_session(request, runtime, db)
    rows = browser_sessions.list_active(db, user.kind, user.id, runtime.clock.now())
    sessions = [{"id": r.id, "device": device(r.user_agent), "address": r.client_ip or "—",
                 "last_seen": r.last_seen_at, "started": r.created_at,
                 "this": current is not None and r.id == current.record_id} for r in rows]
    factor = two_factor.get(db, user.kind, user.id)
    enrolled = factor is not None and factor.confirmed_at is not None
    company = db.get(Company, user.company_id) if user.company_id else None
    required = (user.is_support or bool(company and company.two_factor_required))
    template = "support/security.html" if user.is_support else "account/security.html"
    return render(request, template, status=status, active_tab="security", section="security",
                  sessions=sessions, enrolled=enrolled, required=required,
                  recovery_left=len(factor.recovery_digests) if enrolled and factor else 0,
                  company_required=bool(company and company.two_factor_required),
                  base=_path(user), message=message, error=error)


@router.get("/account/security")
def account_security(request: Request, acting: ActingPerson, msg: str | None = None) -> Response:
    if acting.user.is_support:
        return secure_headers(RedirectResponse("/support/security", status_code=303))
    return _page(request, acting, message=MESSAGES.get(msg or ""))


@router.get("/support/security")
def support_security(request: Request, acting: ActingPerson, msg: str | None = None) -> Response:
    if not acting.user.is_support:
        raise HTTPException(404, "Not Found")
    return _page(request, acting, message=MESSAGES.get(msg or ""))


def _done(user: WebUser, msg: str) -> Response:
    return secure_headers(RedirectResponse(f"{_path(user)}?msg={msg}", status_code=303))


@router.post("/account/security/sessions/end")
def end_session(request: Request, form: CheckedForm, acting: ActingPerson) -> Response:
    db, user = acting.db, acting.user
    wanted = record_id(text(form, "session_id"))
    row = browser_sessions.get_own(db, user.kind, user.id, wanted) if wanted else None
    if row is None or row.revoked_at is not None:
        # Another account's session id reads like one that does not exist.
        return _page(request, acting, status=404, error="There is no such session of yours (it "
                     "may have ended already). Reload the page.")
    browser_sessions.revoke(db, acting.ctx, row, "ended_by_user", company_id=user.company_id,
                            label=user.name)
    return _done(user, "ended")


@router.post("/account/security/sessions/end-others")
def end_other_sessions(request: Request, form: CheckedForm, acting: ActingPerson) -> Response:
    current = read_session(request, acting.runtime, acting.db)
    ended = browser_sessions.revoke_all(acting.db, acting.ctx, acting.user.kind, acting.user.id,
                                        "ended_by_user",
                                        except_id=current.record_id if current else None)
    _audit_ended_all(acting.db, acting.ctx, acting.user, ended)
    return _done(acting.user, "ended_others")


def _audit_ended_all(db: Session, ctx: RequestContext, user: WebUser, ended: int) -> None:
    record_event(db, ctx, "session.others_revoked", company_id=user.company_id,
                 target_type="contact" if user.kind == "contact" else "support_user",
                 target_id=user.id, target_label=user.name, data={"ended": ended})


@router.post("/account/security/two-factor/off")
def turn_off_two_factor(request: Request, form: CheckedForm, acting: ActingPerson) -> Response:
    db, user, ctx = acting.db, acting.user, acting.ctx

    def turn_off() -> None:
        account = db.get(Contact, user.id) if user.kind == "contact" else None
        if account is None or two_factor.is_required(db, user.kind, account):
            raise AppError("Two-factor login is required for your account; it cannot be "
                           "turned off.", code="two_factor_required", status=409)
        # The current code proves the phone is at hand, not just an open browser.
        two_factor.verify(db, ctx, keys(acting.runtime), user.kind, user.id, text(form, "code"),
                          company_id=user.company_id, label=user.name)
        two_factor.remove(db, ctx, user.kind, user.id, company_id=user.company_id,
                          label=user.name)

    try:
        acting.attempt(turn_off)
    except AppError as exc:
        return _page(request, acting, status=exc.status, error=exc.detail)
    return _done(user, "two_factor_off")


@router.post("/account/security/company-requirement")
def company_requirement(request: Request, form: CheckedForm, acting: ActingPerson) -> Response:
    user = acting.user
    if user.kind != "contact" or not user.is_admin:
        raise HTTPException(404, "Not Found")
    required = text(form, "required") == "yes"
    company = acting.db.get(Company, user.company_id)
    assert company is not None
    two_factor.set_company_requirement(acting.db, acting.ctx, company, required)
    if required:
        _end_sessions_without_factor(acting.db, acting.ctx, company, keep=user.id)
    return _done(user, "required" if required else "optional")


def _end_sessions_without_factor(db: Session, ctx: RequestContext, company: Company,
                                 keep: int) -> None:
    """The requirement holds from now: contacts without a factor log in again (and enrol)."""
    for contact in company.contacts:
        if contact.id != keep and not two_factor.is_enrolled(db, "contact", contact.id):
            browser_sessions.revoke_all(db, ctx, "contact", contact.id, "two_factor_required")
