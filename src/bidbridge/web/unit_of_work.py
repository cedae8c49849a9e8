"""One unit of work per web request: the page edge owns the transaction, services only flush.

``PageSession`` opens a session and a transaction for the request and ends them when the page
function returns, before the response leaves: commit on success, roll back on any exception.
Everything the request reads shares it (FastAPI caches a dependency per request): the browser
session behind the cookie, the signed-in person, the CSRF check and the page itself, so a login's
checks, its audit row and the record its cookie names commit together, or not at all.
``Acting`` adds who acts: the services' RequestContext with the signed-in person as actor, so
every web action is audited in that person's name, beside the API's actions.

This is the only web module that opens database sessions (tests/web/test_unit_of_work_edge.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request

from bidbridge.services.context import RequestContext
from bidbridge.services.runtime import Runtime
from bidbridge.web.identity import (
    LoginRequired,
    WebUser,
    load_user,
    next_path,
    request_context,
    runtime_of,
)
from bidbridge.web.sessions import WebSession, read_session

T = TypeVar("T")


def page_session(request: Request) -> Iterator[Session]:
    """Dependency: the request's session inside one transaction."""
    with runtime_of(request).sessions() as db, db.begin():
        request.state.unit_of_work = db
        try:
            yield db
        finally:
            request.state.unit_of_work = None


# scope="function": the commit happens before the response is sent, so a page never reports a
# change that then failed to commit (nor sets a cookie for a session record that is not there).
PageSession = Annotated[Session, Depends(page_session, scope="function")]


def stream_session(request: Request) -> Iterator[Session]:
    """Dependency: a read-only session that lives while a streamed response is sent.

    A streamed body (the audit CSV export) is read after the page function returned, when the
    request's unit of work has committed; this second session holds one snapshot open until
    the last row is sent. It writes nothing."""
    with runtime_of(request).sessions() as db, db.begin():
        yield db


StreamSession = Annotated[Session, Depends(stream_session)]


@contextmanager
def request_session(request: Request) -> Iterator[Session]:
    """The request's unit of work when one is open, else a short transaction of its own.

    The fallback is for what runs outside any page's unit of work: an error page for an address
    no page answers, or for a refusal raised before the browser session was read, still reads
    that session so a signed-in browser keeps its cookie and its forms their CSRF token."""
    db = getattr(request.state, "unit_of_work", None)
    if db is not None:
        yield db
        return
    with runtime_of(request).sessions() as own, own.begin():
        yield own


def browser_session(request: Request) -> WebSession | None:
    """The request's browser session, read in its unit of work (or see request_session)."""
    with request_session(request) as db:
        return read_session(request, runtime_of(request), db)


def signed_in(request: Request, db: PageSession) -> WebUser:
    """Dependency: any signed-in account, else off to the login page."""
    user = load_user(request, db)
    if user is None:
        raise LoginRequired(next_path(request))
    return user


def contact_user(user: WebUser = Depends(signed_in)) -> WebUser:
    """Dependency: a signed-in contact. Support staff have no company pages (404)."""
    if user.kind != "contact":
        raise HTTPException(404, "This page belongs to company accounts.")
    return user


def support_user(user: WebUser = Depends(signed_in)) -> WebUser:
    """Dependency: a signed-in support account. Anyone else gets 'not found', not a hint."""
    if not user.is_support:
        raise HTTPException(404, "Not Found")
    return user


@dataclass(frozen=True)
class Acting:
    """A signed-in person acting through a page, in the request's transaction."""

    db: Session
    user: WebUser
    ctx: RequestContext
    runtime: Runtime

    @property
    def company_id(self) -> int:
        assert self.user.company_id is not None, "support staff have no company"
        return self.user.company_id

    def attempt(self, change: Callable[[], T]) -> T:
        """Run one service call in a savepoint. A refusal (AppError) undoes that call's writes
        only, so the page can show the error with what was typed while the request still ends
        cleanly — and the refused call changed nothing."""
        return attempt(self.db, change)


def attempt(db: Session, change: Callable[[], T]) -> T:
    """``Acting.attempt`` before anyone is signed in (the login's second step)."""
    with db.begin_nested():
        return change()


def web_context(request: Request, user: WebUser) -> RequestContext:
    """The services' RequestContext for a web action: the person as actor, with the request id,
    client address and user agent."""
    return request_context(request, user)


def acting_person(request: Request, db: PageSession,
                  user: WebUser = Depends(signed_in)) -> Acting:
    return Acting(db, user, web_context(request, user), runtime_of(request))


def acting_contact_person(request: Request, db: PageSession,
                          user: WebUser = Depends(contact_user)) -> Acting:
    return Acting(db, user, web_context(request, user), runtime_of(request))


def acting_support_person(request: Request, db: PageSession,
                          user: WebUser = Depends(support_user)) -> Acting:
    return Acting(db, user, web_context(request, user), runtime_of(request))


# Dependencies for page functions: any signed-in account, a company contact (support: 404), or
# platform support (anyone else: 404).
ActingPerson = Annotated[Acting, Depends(acting_person)]
ActingContact = Annotated[Acting, Depends(acting_contact_person)]
ActingSupport = Annotated[Acting, Depends(acting_support_person)]
