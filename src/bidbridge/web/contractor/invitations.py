"""Invitations: finding subcontractors by name, trade or city, inviting them (or someone by
e-mail), and the workpackage's status board."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from bidbridge.errors import AppError
from bidbridge.models import Workpackage
from bidbridge.reference import RFP_STATUS_LABELS, TRADES
from bidbridge.services import invitations, rfp_board, subcontractor_search
from bidbridge.web.contractor.common import Contractor, done, page, workpackage_of
from bidbridge.web.contractor.forms import Problems, one_line
from bidbridge.web.csrf import checked_form, text
from bidbridge.web.fields import record_id
from bidbridge.web.unit_of_work import Acting

router = APIRouter()
MESSAGES = {"invited": "The subcontractor is invited: the RFP is in their bid board now."}


def _board(request: Request, acting: Acting, wp: Workpackage, *, name: str = "",
           trade: str = "", city: str = "", status: int = 200, message: str | None = None,
           error: str | None = None, problems: dict[str, str] | None = None,
           email_values: dict[str, str] | None = None) -> Response:
    searched = bool(name.strip() or trade or city.strip())
    found = (subcontractor_search.find_subcontractors(acting.db, workpackage_id=wp.id, name=name,
                                                      trade=trade, city=city)
             if searched else [])
    return page(request, "contractor/invitations.html", status=status, wp=wp,
                project=wp.project, board=rfp_board.status_board(acting.db, wp),
                statuses=RFP_STATUS_LABELS, trades=TRADES, q_name=name, q_trade=trade,
                q_city=city, searched=searched, found=found, message=message, error=error,
                problems=problems or {},
                email_values=email_values or {"companyName": "", "contactEmail": "",
                                              "contactName": ""})


@router.get("/workpackages/{wp_id:id}/invitations")
def invitation_board(request: Request, acting: Contractor, wp_id: int, name: str = "",
                     trade: str = "", city: str = "", msg: str | None = None) -> Response:
    wp = workpackage_of(acting, wp_id)
    return _board(request, acting, wp, name=name[:200], trade=trade[:100], city=city[:100],
                  message=MESSAGES.get(msg or ""))


def _invitee(form: FormData, problems: Problems) -> invitations.Invitee | None:
    company_id = text(form, "company_id")
    if company_id:
        chosen = record_id(company_id)
        if chosen is None:
            problems.add("company_id", "Pick a company from the search results.")
            return None
        return invitations.Invitee(company_id=chosen)
    company = one_line(form, "companyName", problems, max_length=200, required=True,
                       label="The company's name")
    email = one_line(form, "contactEmail", problems, max_length=254, required=True,
                     label="The e-mail address")
    contact = one_line(form, "contactName", problems, max_length=200)
    if email and (email.count("@") != 1 or " " in email or email.startswith("@")
                  or email.endswith("@")):
        problems.add("contactEmail", "Expected an e-mail address like name@company.nl.")
    if problems:
        return None
    return invitations.Invitee(company_name=company, contact_email=email, contact_name=contact)


@router.post("/workpackages/{wp_id:id}/invitations")
def invite(request: Request, acting: Contractor, wp_id: int,
           form: FormData = Depends(checked_form)) -> Response:
    wp = workpackage_of(acting, wp_id)
    problems = Problems()
    invitee = _invitee(form, problems)
    name, trade, city = text(form, "q_name"), text(form, "q_trade"), text(form, "q_city")
    emailed = {k: text(form, k) for k in ("companyName", "contactEmail", "contactName")}
    if invitee is None:
        return _board(request, acting, wp, name=name, trade=trade, city=city, status=422,
                      problems=problems.fields, email_values=emailed, error=problems.fields.get("company_id")
                      or "Check the marked fields: nobody was invited.")
    try:
        acting.attempt(lambda: invitations.invite(acting.db, acting.ctx, wp, acting.company_id,
                                                  invitee))
    except AppError as exc:
        return _board(request, acting, wp, name=name, trade=trade, city=city,
                      status=exc.status, error=exc.detail, email_values=emailed)
    return done(f"/workpackages/{wp.id}/invitations", "invited")
