"""My Account → Company: a contractor's administrator switches the API module and picks its user.

Only administrators of contractor companies see this tab (everyone else: no link, 404). The rules
and the audit events live in services.contractor_api; this module only draws and parses forms.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bidbridge.errors import AppError
from bidbridge.models import ApiModule, Company, Contact
from bidbridge.services import api_access, contractor_api
from bidbridge.services.context import RequestContext
from bidbridge.web.csrf import CheckedForm, text
from bidbridge.web.fields import record_id
from bidbridge.web.identity import WebUser
from bidbridge.web.templating import render, secure_headers
from bidbridge.web.unit_of_work import Acting, ActingContact

router = APIRouter()

MESSAGES = {
    "activated": "The API module is active. The API user can now generate a key in My Account → API.",
    "deactivated": "The API module is off. Your company's API tokens are refused from now on.",
    "designated": "The API user is designated. Keys of a former API user were revoked.",
}


def contractor_admin(acting: ActingContact) -> Acting:
    """Dependency: an administrator of a contractor company; anyone else gets 'not found'."""
    if not acting.user.manages_api_module:
        raise HTTPException(404, "Not Found")
    return acting


ContractorAdmin = Annotated[Acting, Depends(contractor_admin)]


def _page(request: Request, db: Session, user: WebUser, *, status: int = 200,
          message: str | None = None, error: str | None = None) -> Response:
    assert user.company_id is not None
    company = db.get(Company, user.company_id)
    assert company is not None
    module = api_access.get_module(db, company.id)
    api_user = db.get(Contact, module.api_user_id) if module and module.api_user_id else None
    return render(request, "account/company.html", status=status, active_tab="company",
                  company=company, module=module, api_user=api_user,
                  active_contacts=[c for c in company.contacts if c.active],
                  message=message, error=error)


@router.get("/account/company")
def company_tab(request: Request, acting: ContractorAdmin, msg: str | None = None) -> Response:
    return _page(request, acting.db, acting.user, message=MESSAGES.get(msg or ""))


@router.get("/account/company/deactivate")
def confirm_deactivate(request: Request, acting: ContractorAdmin) -> Response:
    return render(request, "account/company_confirm.html", active_tab="company")


def _chosen_contact(db: Session, user: WebUser, form: FormData) -> Contact | None:
    """The contact picked in the form; an id of another company reads like an unknown one."""
    raw = text(form, "api_user_id")
    if not raw:
        return None
    contact_id = record_id(raw)
    contact = db.get(Contact, contact_id) if contact_id is not None else None
    if contact is None or contact.company_id != user.company_id:
        raise AppError(f"Choose one of the active contacts of {user.company_name} as the API "
                       "user (field api_user_id).", code="contact_not_found", status=422)
    return contact


def _act(request: Request, acting: Acting, done: str,
         change: Callable[[Session, RequestContext, Contact], ApiModule]) -> Response:
    """Run one action in the request's unit of work in the admin's name; a refusal (undone by
    its savepoint) shows the tab again with its message."""
    db, user = acting.db, acting.user
    admin = db.get(Contact, user.id)
    assert admin is not None
    try:
        acting.attempt(lambda: change(db, acting.ctx, admin))
    except AppError as exc:
        return _page(request, db, user, status=exc.status, error=exc.detail)
    return secure_headers(RedirectResponse(f"/account/company?msg={done}", status_code=303))


@router.post("/account/company/activate")
def activate(request: Request, form: CheckedForm, acting: ContractorAdmin) -> Response:
    def change(db: Session, ctx: RequestContext, admin: Contact) -> ApiModule:
        return contractor_api.activate(db, ctx, admin, _chosen_contact(db, acting.user, form))

    return _act(request, acting, "activated", change)


@router.post("/account/company/deactivate")
def deactivate(request: Request, form: CheckedForm, acting: ContractorAdmin) -> Response:
    if text(form, "confirm") != "yes":
        return secure_headers(RedirectResponse("/account/company/deactivate", status_code=303))
    return _act(request, acting, "deactivated", contractor_api.deactivate)


@router.post("/account/company/api-user")
def designate(request: Request, form: CheckedForm, acting: ContractorAdmin) -> Response:
    def change(db: Session, ctx: RequestContext, admin: Contact) -> ApiModule:
        contact = _chosen_contact(db, acting.user, form)
        if contact is None:
            raise AppError("Choose the contact who becomes the API user (field api_user_id).",
                           code="api_user_missing", status=422)
        return contractor_api.designate(db, ctx, admin, contact)

    return _act(request, acting, "designated", change)
