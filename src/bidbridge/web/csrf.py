"""CSRF protection: every form carries the session's token; a POST without it is refused (403)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request

from bidbridge.services.runtime import Runtime
from bidbridge.web.sessions import read_session
from bidbridge.web.unit_of_work import PageSession

FIELD = "csrf_token"


class CsrfRefused(Exception):
    """The form did not carry this session's token: rendered as a 403 page."""


async def checked_form(request: Request, db: PageSession) -> FormData:
    """FastAPI dependency for every POST handler: the form, once its CSRF token matched (the
    browser session read in the request's unit of work)."""
    return await _checked(request, db, max_files=0, max_fields=100)


# First among a page's parameters: a form from elsewhere is refused (403) before anything else
# is asked of the request, even whether anyone is signed in.
CheckedForm = Annotated[FormData, Depends(checked_form)]


async def checked_grid_form(request: Request, db: PageSession) -> FormData:
    """Like ``checked_form`` for the pricing grid: three fields per budget line, 1,000 lines."""
    return await _checked(request, db, max_files=0, max_fields=4000)


async def checked_upload_form(request: Request, db: PageSession) -> FormData:
    """Like ``checked_form``, for multipart forms that carry files (attachments)."""
    return await _checked(request, db, max_files=20, max_fields=100)


async def _checked(request: Request, db: Session, *, max_files: int, max_fields: int) -> FormData:
    runtime: Runtime = request.app.state.runtime
    form = await request.form(max_files=max_files, max_fields=max_fields)
    session = read_session(request, runtime, db)
    given = form.get(FIELD)
    if session is None or not isinstance(given, str) or not hmac.compare_digest(
        given.encode(), session.csrf.encode()
    ):
        raise CsrfRefused()
    return form


def text(form: FormData, name: str) -> str:
    """A text field of the form, stripped; missing or a file counts as empty."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""

