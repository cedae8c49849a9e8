"""My Account → API: the API user generates, regenerates and revokes the company's API key.

Only from a signed-in browser session with a CSRF token; the API itself cannot reach these pages.
The full key appears once, in the response to the POST that made it, and nowhere else.
"""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bidbridge.errors import AppError
from bidbridge.models import ApiModule, Contact
from bidbridge.security.credentials import display_prefix
from bidbridge.services import api_access, api_keys, webhooks
from bidbridge.web.csrf import CheckedForm, text
from bidbridge.web.identity import WebUser
from bidbridge.web.templating import render, secure_headers
from bidbridge.web.unit_of_work import Acting, ActingContact

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
def api_tab(request: Request, acting: ActingContact, msg: str | None = None) -> Response:
    return _page(request, acting.db, acting.user, message=MESSAGES.get(msg or ""))


@router.post("/account/api/generate")
def generate(request: Request, form: CheckedForm, acting: ActingContact) -> Response:
    return _generate(request, acting, replace=False)


@router.get("/account/api/{action}")
def confirm_page(request: Request, acting: ActingContact, action: str) -> Response:
    if action not in CONFIRM:
        raise HTTPException(404, "Not Found")
    _module(acting.db, acting.user)
    if api_keys.get_active_key(acting.db, acting.user.id) is None:
        return RedirectResponse("/account/api", status_code=303)
    title, warning, button = CONFIRM[action]
    return render(request, "account/api_confirm.html", active_tab="api", action=action,
                  title=title, warning=warning, button=button)


@router.post("/account/api/regenerate")
def regenerate(request: Request, form: CheckedForm, acting: ActingContact) -> Response:
    if text(form, "confirm") != "yes":
        return RedirectResponse("/account/api/regenerate", status_code=303)
    return _generate(request, acting, replace=True)


@router.post("/account/api/revoke")
def revoke(request: Request, form: CheckedForm, acting: ActingContact) -> Response:
    if text(form, "confirm") != "yes":
        return RedirectResponse("/account/api/revoke", status_code=303)
    db, user = acting.db, acting.user
    _module(db, user)
    contact = db.get(Contact, user.id)
    key = api_keys.get_active_key(db, user.id)
    if contact is None or key is None:
        return RedirectResponse("/account/api", status_code=303)
    try:
        acting.attempt(lambda: api_keys.revoke_key(db, acting.ctx, contact, key.id))
    except AppError as exc:
        return _page(request, db, user, status=exc.status, error=exc.detail)
    return secure_headers(RedirectResponse("/account/api?msg=revoked", status_code=303))


def _generate(request: Request, acting: Acting, *, replace: bool) -> Response:
    db, user, settings = acting.db, acting.user, acting.runtime.settings
    _module(db, user)
    contact = db.get(Contact, user.id)
    assert contact is not None

    def generate() -> str:
        if not replace and api_keys.get_active_key(db, user.id) is not None:
            # A second press of "Generate" must not silently replace a working key.
            raise AppError("You have an API key already. Use Regenerate to replace it.",
                           code="api_key_exists", status=409)
        _, full_key = api_keys.generate_key(db, acting.ctx, contact, pepper=settings.pepper,
                                            pepper_id=settings.pepper_id)
        return full_key

    try:
        full_key = acting.attempt(generate)
    except AppError as exc:
        return _page(request, db, user, status=exc.status, error=exc.detail)
    return _page(request, db, user, new_key=full_key)
