"""My Account → API: the API user generates, regenerates and revokes the company's API key.

Only from a signed-in browser session with a CSRF token; the API itself cannot reach these pages.
The full key appears once, in the response to the POST that made it, and nowhere else.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bidbridge.errors import AppError
from bidbridge.models import ApiModule, Contact
from bidbridge.security.credentials import display_prefix
from bidbridge.services import api_access, api_keys, webhooks
from bidbridge.web.csrf import checked_form, text
from bidbridge.web.identity import WebUser, contact_user, request_context, runtime_of
from bidbridge.web.templating import render, secure_headers

router = APIRouter()

MESSAGES = {"revoked": "The API key was revoked. Tokens made with it no longer work."}
CONFIRM = {
    "regenerate": ("Regenerate the API key?",
                   "A new key replaces the current one. The current key and every token made "
                   "with it stop working at once; your integration needs the new key.",
                   "Yes, regenerate the key"),
    "revoke": ("Revoke the API key?",
               "The key and every token made with it stop working at once. You can generate a "
               "new key afterwards.",
               "Yes, revoke the key"),
}


def _module(db: Session, user: WebUser) -> ApiModule:
    """The company's active module; without one the API tab does not exist (404)."""
    assert user.company_id is not None
    module = api_access.get_module(db, user.company_id)
    if module is None or not module.active:
        raise HTTPException(404, "Not Found")
    return module


def _page(request: Request, db: Session, user: WebUser, *, status: int = 200,
          new_key: str | None = None, message: str | None = None,
          error: str | None = None) -> Response:
    module = _module(db, user)
    api_user = db.get(Contact, module.api_user_id) if module.api_user_id else None
    is_api_user = api_user is not None and api_user.id == user.id
    key = api_keys.get_active_key(db, user.id) if is_api_user else None
    response = render(
        request, "account/api.html", status=status, active_tab="api", module=module,
        api_user=api_user, is_api_user=is_api_user, key=key,
        key_prefix=display_prefix(key.key_id) if key else None, new_key=new_key,
        endpoints=webhooks.overview(db, module.company_id) if is_api_user else [],
        docs_url=f"/rest/{user.company_kind}/v1#addWebhookEndpoint",
        token_url=f"{str(request.base_url).rstrip('/')}/rest/{user.company_kind}/v1/tokens",
        message=message, error=error)
    return response


@router.get("/account/api")
def api_tab(request: Request, user: WebUser = Depends(contact_user),
            msg: str | None = None) -> Response:
    with runtime_of(request).sessions() as db:
        return _page(request, db, user, message=MESSAGES.get(msg or ""))


@router.post("/account/api/generate")
def generate(request: Request, form: FormData = Depends(checked_form),
             user: WebUser = Depends(contact_user)) -> Response:
    return _generate(request, user, replace=False)


@router.get("/account/api/{action}")
def confirm_page(request: Request, action: str, user: WebUser = Depends(contact_user)) -> Response:
    if action not in CONFIRM:
        raise HTTPException(404, "Not Found")
    with runtime_of(request).sessions() as db:
        _module(db, user)
        if api_keys.get_active_key(db, user.id) is None:
            return RedirectResponse("/account/api", status_code=303)
    title, warning, button = CONFIRM[action]
    return render(request, "account/api_confirm.html", active_tab="api", action=action,
                  title=title, warning=warning, button=button)


@router.post("/account/api/regenerate")
def regenerate(request: Request, form: FormData = Depends(checked_form),
               user: WebUser = Depends(contact_user)) -> Response:
    if text(form, "confirm") != "yes":
        return RedirectResponse("/account/api/regenerate", status_code=303)
    return _generate(request, user, replace=True)


@router.post("/account/api/revoke")
def revoke(request: Request, form: FormData = Depends(checked_form),
           user: WebUser = Depends(contact_user)) -> Response:
    if text(form, "confirm") != "yes":
        return RedirectResponse("/account/api/revoke", status_code=303)
    runtime = runtime_of(request)
    try:
        with runtime.sessions() as db, db.begin():
            _module(db, user)
            contact = db.get(Contact, user.id)
            key = api_keys.get_active_key(db, user.id)
            if contact is None or key is None:
                return RedirectResponse("/account/api", status_code=303)
            api_keys.revoke_key(db, request_context(request, user), contact, key.id)
    except AppError as exc:
        with runtime.sessions() as db:
            return _page(request, db, user, status=exc.status, error=exc.detail)
    return secure_headers(RedirectResponse("/account/api?msg=revoked", status_code=303))


def _generate(request: Request, user: WebUser, *, replace: bool) -> Response:
    runtime = runtime_of(request)
    settings = runtime.settings
    try:
        with runtime.sessions() as db, db.begin():
            _module(db, user)
            contact = db.get(Contact, user.id)
            assert contact is not None
            if not replace and api_keys.get_active_key(db, user.id) is not None:
                # A second press of "Generate" must not silently replace a working key.
                raise AppError("You have an API key already. Use Regenerate to replace it.",
                               code="api_key_exists", status=409)
            _, full_key = api_keys.generate_key(db, request_context(request, user), contact,
                                                pepper=settings.pepper,
                                                pepper_id=settings.pepper_id)
    except AppError as exc:
        with runtime.sessions() as db:
            return _page(request, db, user, status=exc.status, error=exc.detail)
    with runtime.sessions() as db:
        return _page(request, db, user, new_key=full_key)
