"""My Account: the Profile tab and changing one's password."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bidbridge.errors import AppError
from bidbridge.models import Contact, ContactType
from bidbridge.services import accounts, browser_sessions
from bidbridge.web.csrf import CheckedForm
from bidbridge.web.identity import WebUser
from bidbridge.web.sessions import start_session, write_session
from bidbridge.web.templating import render, secure_headers
from bidbridge.web.unit_of_work import Acting, ActingContact

router = APIRouter()

MESSAGES = {"password_changed": "Your password was changed. Other sessions were logged out."}


# What each kind of contact may do, in the words of the trade (shown beside "Contact type").
CONTACT_TYPES = {
    ContactType.VISIBLE: "Contractors see you among your company's contacts and "
                         "can send you RFPs. Full access to your company's tenders.",
    ContactType.HIDDEN: "Full access to your company's tenders, but contractors "
                        "do not see you and cannot send RFPs to you by name.",
    ContactType.OTHER: "Created by a contractor for an invitation. You see only "
                       "the projects you were invited to and cannot change company settings.",
}
# A contractor's contacts face the other way: subcontractors see its visible ones.
CONTRACTOR_CONTACT_TYPES = {
    ContactType.VISIBLE: "Subcontractors see you as a contact person of your "
                         "company on its RFPs.",
    ContactType.HIDDEN: "Full access to your company's projects, but "
                        "subcontractors do not see you as a contact person.",
    ContactType.OTHER: CONTACT_TYPES[ContactType.OTHER],
}


def contact_types_for(user: WebUser) -> dict[ContactType, str]:
    return CONTRACTOR_CONTACT_TYPES if user.company_kind == "contractor" else CONTACT_TYPES


def api_access_request(user: WebUser, support_email: str) -> str:
    """A mailto link that asks platform support to activate the API module for the company."""
    subject = f"API access for {user.company_name}"
    body = (f"Hello platform support,\n\nPlease activate the API module for {user.company_name} "
            f"(bidbridge company id {user.company_id}) and designate our API user:\n"
            f"{user.name} <{user.email}>\n\nKind regards,\n{user.name}")
    return f"mailto:{support_email}?subject={quote(subject)}&body={quote(body)}"


def profile_page(request: Request, acting: Acting, *, status: int = 200,
                 message: str | None = None, error: str | None = None) -> Response:
    settings, user = acting.runtime.settings, acting.user
    contact = acting.db.get(Contact, user.id)
    assert contact is not None
    return render(request, "account/profile.html", status=status, active_tab="profile",
                  contact=contact, message=message, error=error,
                  contact_types=contact_types_for(user), support_email=settings.support_email,
                  api_request_link=api_access_request(user, settings.support_email))


@router.get("/account")
def profile(request: Request, acting: ActingContact, msg: str | None = None) -> Response:
    return profile_page(request, acting, message=MESSAGES.get(msg or ""))


@router.post("/account/password")
def change_password(request: Request, form: CheckedForm, acting: ActingContact) -> Response:
    runtime, db, user = acting.runtime, acting.db, acting.user
    current, new, repeat = (form.get(n) for n in ("current_password", "new_password",
                                                  "repeat_password"))
    if not all(isinstance(v, str) for v in (current, new, repeat)) or new != repeat:
        return profile_page(request, acting, status=422,
                            error="The new password and its repetition differ. Type it twice.")
    assert isinstance(current, str) and isinstance(new, str)
    contact = db.get(Contact, user.id, with_for_update=True)
    assert contact is not None
    try:
        acting.attempt(lambda: accounts.change_password(db, acting.ctx, runtime.passwords,
                                                        contact, current, new))
    except AppError as exc:
        return profile_page(request, acting, status=exc.status, error=exc.detail)
    # The version bump ended every session of this account; this browser gets a fresh one, in
    # the same transaction as the change.
    session = start_session(request, runtime, db, "contact", user.id, contact.session_version,
                            browser_sessions.ACTIVE)
    response = RedirectResponse("/account?msg=password_changed", status_code=303)
    write_session(response, runtime, session)
    return secure_headers(response)
