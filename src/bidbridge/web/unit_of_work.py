"""One unit of work per web request: the page edge owns the transaction, services only flush.

``PageSession`` opens a session and a transaction for the request and ends them when the page
function returns, before the response leaves: commit on success, roll back on any exception.
``Acting`` adds who acts: the services' RequestContext with the signed-in person as actor, so
every web action is audited in that person's name, beside the API's actions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends
from sqlalchemy.orm import Session
from starlette.requests import Request

from bidbridge.services.context import RequestContext
from bidbridge.services.runtime import Runtime
from bidbridge.web.identity import WebUser, contact_user, request_context, runtime_of, signed_in

T = TypeVar("T")


def page_session(request: Request) -> Iterator[Session]:
    """Dependency: the request's session inside one transaction."""
    with runtime_of(request).sessions() as db, db.begin():
        yield db


# scope="function": the commit happens before the response is sent, so a page never reports a
# change that then failed to commit.
PageSession = Annotated[Session, Depends(page_session, scope="function")]


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
        with self.db.begin_nested():
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


# Dependencies for page functions: any signed-in account, or a company contact (support: 404).
ActingPerson = Annotated[Acting, Depends(acting_person)]
ActingContact = Annotated[Acting, Depends(acting_contact_person)]
