"""Jinja2 rendering with the page chrome's context and the security headers every page gets."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from bidbridge.web import formatting
from bidbridge.web.navigation import nav_items
from bidbridge.web.sessions import WebSession, write_session
from bidbridge.web.unit_of_work import browser_session

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

# Scripts and styles come only from our own /static (no inline code), frames are refused.
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' data:; object-src 'none'; "
                                "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # Pages show personal data and, once, an API key: never keep them in a cache.
    "Cache-Control": "no-store",
}


def format_time(value: datetime | None) -> str:
    if value is None:
        return "never"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


_env.filters["time"] = format_time
_env.filters["unix_time"] = lambda seconds: format_time(datetime.fromtimestamp(seconds, UTC))
_env.globals["nav_items"] = nav_items
_env.filters.update(euro=formatting.euro, filesize=formatting.filesize,
                    deadline=formatting.deadline_text, date=formatting.date_text)
_env.globals["time_left"] = formatting.time_left


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Render a page; makes sure the browser holds a session (for the CSRF token of its forms)."""
    runtime = request.app.state.runtime
    session = browser_session(request)
    fresh = session is None
    if session is None:
        session = WebSession.anonymous()
        request.state.web_session = session
    context.setdefault("user", getattr(request.state, "web_user", None))
    context.setdefault("active_tab", None)
    context.setdefault("section", None)
    context.setdefault("message", None)
    context.setdefault("error", None)
    html = _env.get_template(template).render(request=request, csrf_token=session.csrf, **context)
    response = HTMLResponse(html, status_code=status)
    secure_headers(response)
    if fresh:
        write_session(response, runtime, session)
    return response


def secure_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
