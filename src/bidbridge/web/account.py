"""My Account: the Profile tab and changing one's password."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bidbridge.errors import AppError
from bidbridge.models import Contact, ContactType
from bidbridge.services import accounts
from bidbridge.web.csrf import checked_form
from bidbridge.web.identity import WebUser, contact_user, request_context, runtime_of
from bidbridge.web.sessions import WebSession, write_session
from bidbridge.web.templating import render, secure_headers

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


def profile_page(request: Request, user: WebUser, *, status: int = 200,
                 message: str | None = None, error: str | None = None) -> Response:
    runtime = runtime_of(request)
    with runtime.sessions() as db:
        contact = db.get(Contact, user.id)
        assert contact is not None
        return render(request, "account/profile.html", status=status, active_tab="profile",
                      contact=contact, message=message, error=error,
                      contact_types=contact_types_for(user), support_email=runtime.settings.support_email,
                      api_request_link=api_access_request(user, runtime.settings.support_email))


@router.get("/account")
def profile(request: Request, user: WebUser = Depends(contact_user),
            msg: str | None = None) -> Response:
    return profile_page(request, user, message=MESSAGES.get(msg or ""))


@router.post("/account/password")
def change_password(request: Request, form: FormData = Depends(checked_form),
                    user: WebUser = Depends(contact_user)) -> Response:
    runtime = runtime_of(request)
    current, new, repeat = (form.get(n) for n in ("current_password", "new_password",
                                                  "repeat_password"))
    if not all(isinstance(v, str) for v in (current, new, repeat)) or new != repeat:
        return profile_page(request, user, status=422,
                            error="The new password and its repetition differ. Type it twice.")
    assert isinstance(current, str) and isinstance(new, str)
    try:
        with runtime.sessions() as db, db.begin():
            contact = db.get(Contact, user.id, with_for_update=True)
            assert contact is not None
            accounts.change_password(db, request_context(request, user), runtime.passwords,
                                     contact, current, new)
            version = contact.session_version
    except AppError as exc:
        return profile_page(request, user, status=exc.status, error=exc.detail)
    # The version bump ended every session of this account; this browser gets a fresh one.
    response = RedirectResponse("/account?msg=password_changed", status_code=303)
    write_session(response, runtime, WebSession.signed_in("contact", user.id, version))
    return secure_headers(response)
