"""Wires the web pages into the app: the routers, the home page, and the error pages."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from bidbridge.errors import AppError
from bidbridge.services.runtime import Runtime
from bidbridge.web import (
    account,
    api_tab,
    audit_views,
    bid_board,
    bill_files,
    company_tab,
    contractor,
    login,
    pricing_page,
    proposal_pages,
    rfp_files,
    rfp_page,
    security,
    support,
    two_factor,
)
from bidbridge.web.csrf import CsrfRefused
from bidbridge.web.identity import LoginRequired, load_user, login_url
from bidbridge.web.navigation import start_page
from bidbridge.web.templating import render, secure_headers
from bidbridge.web.unit_of_work import PageSession

FAVICON = Path(__file__).with_name("static") / "favicon.ico"
TITLES = {400: "Bad request", 403: "Forbidden", 404: "Page not found",
          405: "Method not allowed", 422: "Check your input", 429: "Too many requests",
          500: "Something went wrong"}


def register(app: FastAPI, runtime: Runtime) -> None:
    for module in (login, two_factor, account, security, api_tab, company_tab, support,
                   audit_views, bid_board, rfp_files, bill_files, rfp_page, pricing_page, proposal_pages,
                   contractor):
        app.include_router(module.router, include_in_schema=False)
    app.add_api_route("/", home, methods=["GET"], include_in_schema=False)
    app.add_api_route("/favicon.ico", favicon, methods=["GET"], include_in_schema=False)
    app.add_exception_handler(LoginRequired, _login_required)  # type: ignore[arg-type]
    app.add_exception_handler(CsrfRefused, _csrf_refused)  # type: ignore[arg-type]
    app.add_exception_handler(AppError, _refused)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]


def home(request: Request, db: PageSession) -> Response:
    """Signed-in people go to their start page; everyone else to the login page."""
    user = load_user(request, db)
    target = "/login" if user is None else start_page(user)
    return secure_headers(RedirectResponse(target, status_code=303))


def favicon() -> Response:
    """Browsers ask every site for /favicon.ico; the brand mark (made by scripts/make_favicon.py)."""
    return FileResponse(FAVICON, media_type="image/x-icon",
                        headers={"Cache-Control": "public, max-age=86400"})


async def _login_required(request: Request, exc: LoginRequired) -> Response:
    return secure_headers(RedirectResponse(login_url(exc.next_path), status_code=303))


async def _refused(request: Request, exc: AppError) -> Response:
    """A domain refusal a page did not handle itself: its status and its message, as a page
    (another company's id is the services' NotFound, so 404). The unit of work rolled back;
    the API's own functions answer their refusals themselves and never reach this."""
    return error_page(request, exc.status, exc.detail)


async def _csrf_refused(request: Request, exc: CsrfRefused) -> Response:
    return error_page(request, 403, "This form was not sent from a page of your current session "
                      "(the security token is missing or outdated). Go back, reload the page "
                      "and try again.")


async def _invalid_request(request: Request, exc: RequestValidationError) -> Response:
    """A page's path or query value of the wrong shape ("²" for an id): a 4xx page, not JSON."""
    in_path = any(e.get("loc", ("",))[0] == "path" for e in exc.errors())
    if in_path:
        return error_page(request, 404, "Not Found")
    names = ", ".join(sorted({str(e["loc"][-1]) for e in exc.errors() if e.get("loc")}))
    return error_page(request, 422, f"Check the address: {names or 'a value'} has the wrong form.")


def error_page(request: Request, status: int, detail: str) -> Response:
    if status == 404 and detail in ("Not Found", ""):
        detail = "There is no page at this address, or it is not one you can see."
    return render(request, "error.html", status=status, status_code=status,
                  title=TITLES.get(status, "Error"), detail=detail)
