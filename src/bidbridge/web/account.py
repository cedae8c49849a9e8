"""My Account: the Profile tab and changing one's password."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bidbridge.errors import AppError
from bidbridge.models import Contact
from bidbridge.services import accounts
from bidbridge.web.csrf import checked_form
from bidbridge.web.identity import WebUser, contact_user, request_context, runtime_of
from bidbridge.web.sessions import WebSession, write_session
from bidbridge.web.templating import render, secure_headers

router = APIRouter()

MESSAGES = {"password_changed": "Your password was changed. Other sessions were logged out."}


def profile_page(request: Request, user: WebUser, *, status: int = 200,
                 message: str | None = None, error: str | None = None) -> Response:
    with runtime_of(request).sessions() as db:
        contact = db.get(Contact, user.id)
        assert contact is not None
        return render(request, "account/profile.html", status=status, active_tab="profile",
                      contact=contact, message=message, error=error)


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
