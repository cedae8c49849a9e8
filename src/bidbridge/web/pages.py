"""Wires the web pages into the app: the routers, the home page, and the error pages."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bidbridge.errors import AppError
from bidbridge.services.runtime import Runtime
from bidbridge.web import account, api_tab, audit_views, company_tab, contractor, login, support
from bidbridge.web.csrf import CsrfRefused
from bidbridge.web.identity import LoginRequired, load_user, login_url
from bidbridge.web.navigation import start_page
from bidbridge.web.templating import render, secure_headers

TITLES = {400: "Bad request", 403: "Forbidden", 404: "Page not found",
          405: "Method not allowed", 422: "Check your input", 429: "Too many requests",
          500: "Something went wrong"}


def register(app: FastAPI, runtime: Runtime) -> None:
    for module in (login, account, api_tab, company_tab, support, audit_views, contractor):
        app.include_router(module.router, include_in_schema=False)
    app.add_api_route("/", home, methods=["GET"], include_in_schema=False)
    app.add_exception_handler(LoginRequired, _login_required)  # type: ignore[arg-type]
    app.add_exception_handler(CsrfRefused, _csrf_refused)  # type: ignore[arg-type]
    app.add_exception_handler(AppError, _refused)  # type: ignore[arg-type]


def home(request: Request) -> Response:
    """Signed-in people go to their start page; everyone else to the login page."""
    user = load_user(request)
    target = "/login" if user is None else start_page(user)
    return secure_headers(RedirectResponse(target, status_code=303))


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


def error_page(request: Request, status: int, detail: str) -> Response:
    if status == 404 and detail in ("Not Found", ""):
        detail = "There is no page at this address, or it is not one you can see."
    return render(request, "error.html", status=status, status_code=status,
                  title=TITLES.get(status, "Error"), detail=detail)
