"""The support console: find a company, switch its API module, designate its API user."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bidbridge.errors import AppError
from bidbridge.models import ApiModule, Company, Contact
from bidbridge.security.credentials import display_prefix
from bidbridge.services import accounts, api_access, api_keys
from bidbridge.services.context import RequestContext
from bidbridge.web.csrf import CheckedForm, text
from bidbridge.web.fields import record_id
from bidbridge.web.templating import render, secure_headers
from bidbridge.web.unit_of_work import Acting, ActingSupport

router = APIRouter()

MESSAGES = {
    "activated": "The API module is active.",
    "deactivated": "The API module is off. The company's tokens are refused from now on.",
    "designated": "The API user is designated. Keys of a former API user were revoked.",
}


@router.get("/support")
def search(request: Request, acting: ActingSupport, q: str = "") -> Response:
    companies = accounts.search_companies(acting.db, q)
    modules = {c.id: api_access.get_module(acting.db, c.id) for c in companies}
    return render(request, "support/search.html", section="companies", q=q,
                  companies=companies, modules=modules)


def _company(db: Session, company_id: int) -> Company:
    wanted = record_id(company_id)
    company = db.get(Company, wanted) if wanted is not None else None
    if company is None:
        raise HTTPException(404, "Not Found")
    return company


def _company_page(request: Request, db: Session, company_id: int, *, status: int = 200,
                  message: str | None = None, error: str | None = None) -> Response:
    company = _company(db, company_id)
    module = api_access.get_module(db, company.id)
    api_user = db.get(Contact, module.api_user_id) if module and module.api_user_id else None
    key = api_keys.get_active_key(db, api_user.id) if api_user else None
    return render(request, "support/company.html", status=status, section="companies",
                  company=company, module=module, api_user=api_user, contacts=company.contacts,
                  key_prefix=display_prefix(key.key_id) if key else None, key=key,
                  message=message, error=error)


@router.get("/support/companies/{company_id}")
def company_page(request: Request, acting: ActingSupport, company_id: int,
                 msg: str | None = None) -> Response:
    return _company_page(request, acting.db, company_id, message=MESSAGES.get(msg or ""))


def _act(request: Request, acting: Acting, company_id: int, done: str,
         change: Callable[[Session, RequestContext, Company], ApiModule]) -> Response:
    """Run one support action in the request's unit of work; a refusal (undone by its
    savepoint) shows the page again with its message."""
    db = acting.db
    try:
        acting.attempt(lambda: change(db, acting.ctx, _company(db, company_id)))
    except AppError as exc:
        return _company_page(request, db, company_id, status=exc.status, error=exc.detail)
    return secure_headers(RedirectResponse(f"/support/companies/{company_id}?msg={done}",
                                           status_code=303))


def _chosen_contact(db: Session, company: Company, form: FormData) -> Contact | None:
    raw = text(form, "api_user_id")
    if not raw:
        return None
    contact_id = record_id(raw)
    contact = db.get(Contact, contact_id) if contact_id is not None else None
    if contact is None or contact.company_id != company.id:
        raise AppError("Choose one of this company's contacts as the API user.",
                       code="contact_not_found", status=422)
    return contact


@router.post("/support/companies/{company_id:id}/activate")
def activate(request: Request, form: CheckedForm, acting: ActingSupport,
             company_id: int) -> Response:
    def change(db: Session, ctx: RequestContext, company: Company) -> ApiModule:
        return api_access.activate_api(db, ctx, company, _chosen_contact(db, company, form))

    return _act(request, acting, company_id, "activated", change)


@router.post("/support/companies/{company_id:id}/deactivate")
def deactivate(request: Request, form: CheckedForm, acting: ActingSupport,
               company_id: int) -> Response:
    return _act(request, acting, company_id, "deactivated", api_access.deactivate_api)


@router.post("/support/companies/{company_id:id}/api-user")
def designate(request: Request, form: CheckedForm, acting: ActingSupport,
              company_id: int) -> Response:
    def change(db: Session, ctx: RequestContext, company: Company) -> ApiModule:
        contact = _chosen_contact(db, company, form)
        if contact is None:
            raise AppError("Choose the contact who becomes the API user.",
                           code="api_user_missing", status=422)
        return api_access.designate_api_user(db, ctx, company, contact)

    return _act(request, acting, company_id, "designated", change)
