"""What every contractor page shares: who may see it, loading its objects, answering a form."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bidbridge.models import CompanyKind, Project, Rfp, Workpackage
from bidbridge.services import scoping
from bidbridge.web.templating import render, secure_headers
from bidbridge.web.unit_of_work import Acting, ActingContact

SECTION = "projects"


def contractor_person(acting: ActingContact) -> Acting:
    """Dependency: a contact of a contractor company (administrator or user); anyone else 404."""
    if acting.user.company_kind != CompanyKind.CONTRACTOR.value:
        raise HTTPException(404, "Not Found")
    return acting


Contractor = Annotated[Acting, Depends(contractor_person)]


def project_of(acting: Acting, project_id: int) -> Project:
    return scoping.load(acting.db, scoping.PROJECT_OF_CONTRACTOR, project_id, for_company=acting.company_id)


def workpackage_of(acting: Acting, workpackage_id: int) -> Workpackage:
    return scoping.load(acting.db, scoping.WORKPACKAGE_OF_CONTRACTOR, workpackage_id,
                        for_company=acting.company_id)


def rfp_of(acting: Acting, wp: Workpackage, rfp_id: int) -> Rfp:
    rfp = scoping.load(acting.db, scoping.RFP_OF_CONTRACTOR, rfp_id, for_company=acting.company_id)
    if rfp.workpackage_id != wp.id:
        raise HTTPException(404, "Not Found")
    return rfp


def quantity(value: Decimal | None) -> str:
    """An exact quantity without trailing zeros and never in exponent form: 340, 12.5."""
    if value is None:
        return ""
    return format(value.normalize(), "f")


def when(value: datetime | None) -> str:
    """A moment, short: 2026-12-01 08:27 UTC."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else ""


def page(request: Request, template: str, *, status: int = 200, **context: Any) -> Response:
    context.setdefault("section", SECTION)
    context.setdefault("qty", quantity)
    context.setdefault("when", when)
    return render(request, template, status=status, **context)


def done(path: str, msg: str | None = None) -> Response:
    """After a change: back to the page (303), with a message key it knows how to say."""
    path, _, fragment = path.partition("#")
    target = path + (("&" if "?" in path else "?") + f"msg={msg}" if msg else "")
    target += f"#{fragment}" if fragment else ""
    return secure_headers(RedirectResponse(target, status_code=303))
