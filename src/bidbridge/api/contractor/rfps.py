"""inviteSubcontractor, getRfps and setRfpStatus (contractor API)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from bidbridge.api import cursors
from bidbridge.api.call import Call
from bidbridge.api.contractor.outputs import id_param, rfp_out, rfps_out
from bidbridge.api.contractor.projects import line_pattern
from bidbridge.api.contractor.workpackages import WORKPACKAGE_ID
from bidbridge.api.declare import Api, Input, Param, function, id_parameter
from bidbridge.api.shared import CURSOR_PATTERN, LIMIT_PATTERN, UNIX_PATTERN
from bidbridge.errors import InvalidParameters
from bidbridge.models import Rfp, RfpStatus
from bidbridge.reference import RFP_STATUS_LABELS, alternation
from bidbridge.services import contractor_queries, invitations, rfp_status, scoping
from bidbridge.wire.contractor.rfps import (
    InvitationOut,
    RfpListOut,
    SiblingOut,
    StatusOut,
)

API: Api = "contractor"
RFP_ID = id_param("rfpId", "RFP", "getRfps")
STATUSES = tuple(s.value for s in RfpStatus)
STATUS_PATTERN = "^" + alternation(STATUSES) + "$"
EMAIL_PATTERN = r"^([^@\s]{1,64}@[^@\s]{1,190})$"


class InviteIn(Input):
    workpackage_id: Annotated[int, WORKPACKAGE_ID]
    company_id: Annotated[int | None, id_parameter(
        "companyId", "query", "An existing subcontractor company.",
        expected="a subcontractor company id",
        example=1)] = None
    company_name: Annotated[str | None, Param(
        "companyName", "query", "The name of a company to invite by e-mail.",
        pattern=line_pattern(200), max_length=200,
        expected="text on one line, 1 to 200 characters")] = None
    contact_email: Annotated[str | None, Param(
        "contactEmail", "query", "The e-mail address of the person to invite.",
        pattern=EMAIL_PATTERN, max_length=254, expected="an e-mail address")] = None
    contact_name: Annotated[str | None, Param(
        "contactName", "query", "The person's name.", pattern=line_pattern(200),
        max_length=200, expected="text on one line, 1 to 200 characters")] = None
    sealed: Annotated[bool | None, Param(
        "sealed", "query", "Sealed opening for the workpackage (off by default): "
        "you see that bids came in, but not their prices or attachments until the "
        "deadline has passed. Chosen with the first invitation; it cannot change "
        "later (409 sealing_fixed).", pattern=r"^(0|1)$", type="boolean",
        expected="0 or 1", example=0)] = None


def _one_of(args: InviteIn) -> invitations.Invitee:
    by_id = args.company_id is not None
    by_name = any(v is not None for v in (args.company_name, args.contact_email,
                                          args.contact_name))
    if by_id == by_name or (by_name and not (args.company_name and args.contact_email)):
        problem = ("send companyId, or companyName with contactEmail (and optionally "
                   "contactName), not both" if by_id and by_name else
                   "companyName and contactEmail go together" if by_name else
                   "neither companyId nor companyName with contactEmail was given")
        raise InvalidParameters(f"inviteSubcontractor: {problem}.", data={"errors": [{
            "parameter": "companyId", "in": "query", "problem": "invalid", "message": problem,
            "expected": "companyId, or companyName + contactEmail"}]})
    return invitations.Invitee(args.company_id, args.company_name, args.contact_email,
                               args.contact_name)


def _invite(call: Call, args: InviteIn) -> InvitationOut:
    wp = scoping.load(call.session, scoping.WORKPACKAGE_OF_CONTRACTOR, args.workpackage_id,
                      for_company=call.principal.company_id)
    done = invitations.invite(call.session, call.ctx, wp, call.principal.company_id,
                              _one_of(args), sealed=args.sealed)
    return InvitationOut.model_validate({"rfp": rfp_out(done.rfp),
                                         "company_created": done.company_created,
                                         "contact_created": done.contact_created})


function(api=API, name="inviteSubcontractor", path="/workpackages/{workpackageId}/invitations",
         tag="RFPs", status=201, idempotent_writes=True,
         summary="Invite a subcontractor to a workpackage: this creates its RFP.",
         description="Either companyId of a subcontractor on the platform, or companyName and "
                     "contactEmail: a new subcontractor company with an 'other' contact is "
                     "created (when the e-mail is known, that contact's company is invited).",
         input=InviteIn, response=InvitationOut,
         errors=["not_found", "already_invited", "contact_email_unavailable",
                 "sealing_fixed"])(_invite)


class GetRfpsIn(Input):
    workpackage_id: Annotated[int | None, id_parameter(
        "workpackageId", "query", "Only this workpackage's RFPs.",
        expected="a workpackage id")] = None
    project_id: Annotated[int | None, id_parameter(
        "projectId", "query", "Only this project's RFPs.", expected="a project id")] = None
    status: Annotated[str | None, Param(
        "status", "query", "Only RFPs with this status.", pattern=STATUS_PATTERN,
        expected="one of " + ", ".join(STATUSES), example="proposal")] = None
    updated_since: Annotated[int | None, Param(
        "updatedSince", "query", "Only RFPs changed at or after, unix seconds.",
        pattern=UNIX_PATTERN, type="integer", expected="unix seconds")] = None
    cursor: Annotated[str | None, Param(
        "cursor", "query", "The nextCursor of the previous page.",
        pattern=CURSOR_PATTERN, expected="a nextCursor value")] = None
    limit: Annotated[int | None, Param(
        "limit", "query", "RFPs per page, 1–200 (default 50).", pattern=LIMIT_PATTERN,
        type="integer", expected="a whole number from 1 to 200", example=50)] = None


def _get_rfps(call: Call, args: GetRfpsIn) -> RfpListOut:
    session = call.session
    company_id = call.principal.company_id
    wp_id = project_id = None
    if args.workpackage_id is not None:
        wp_id = scoping.load(session, scoping.WORKPACKAGE_OF_CONTRACTOR, args.workpackage_id,
                             for_company=company_id).id
    if args.project_id is not None:
        project_id = scoping.load(session, scoping.PROJECT_OF_CONTRACTOR, args.project_id,
                                  for_company=company_id).id
    since = args.updated_since
    page = contractor_queries.list_rfps(
        session, company_id, workpackage_id=wp_id, project_id=project_id,
        status=RfpStatus(args.status) if args.status else None,
        updated_since=datetime.fromtimestamp(since, UTC) if since is not None else None,
        after=cursors.after_change(args.cursor) if args.cursor else None,
        limit=args.limit or 50)
    last = page.last_position
    return RfpListOut(rfps=rfps_out(session, page.rows),
                      next_cursor=cursors.by_change(*last) if last else None)


function(api=API, name="getRfps", path="/rfps", tag="RFPs",
         summary="The RFPs of your projects with each subcontractor's status and response.",
         description="Ordered by change (updatedAt, then id); follow nextCursor.",
         input=GetRfpsIn, response=RfpListOut, errors=["not_found"])(_get_rfps)


def _sibling(rfp: Rfp) -> SiblingOut:
    return SiblingOut(rfp_id=rfp.id, company=rfp.company.name, status=rfp.status.value)


class SetStatusIn(Input):
    rfp_id: Annotated[int, RFP_ID]
    status: Annotated[str | None, Param(
        "status", "query", "The new status.", pattern=STATUS_PATTERN,
        expected="one of " + ", ".join(STATUSES), example="awarded")] = None
    shared: Annotated[bool | None, Param(
        "shared", "query", "1 shows the status to the subcontractor, 0 keeps it "
        "internal.", pattern=r"^(0|1)$", type="boolean", expected="0 or 1",
        example=1)] = None
    award_others: Annotated[bool | None, Param(
        "awardOthers", "query", "With status=awarded: 1 sets the workpackage's other "
        "RFPs to not_awarded and thanks them.", pattern=r"^(0|1)$", type="boolean",
        expected="0 or 1", example=0)] = None
    reason: Annotated[str | None, Param(
        "reason", "query", "With status=not_awarded (or awardOthers=1, for every "
        "other RFP): why, shown to that subcontractor only.",
        pattern=r"^(?=[\s\S]*\S)[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+$",
        max_length=2000, expected="text of at most 2000 characters")] = None
    rank: Annotated[int | None, Param(
        "rank", "query", "With status=not_awarded: the bid's rank (1 = best).",
        pattern=r"^[1-9][0-9]{0,3}$", type="integer",
        expected="a whole number from 1 to 9999")] = None


def _set_status(call: Call, args: SetStatusIn) -> StatusOut:
    rfp = scoping.load(call.session, scoping.RFP_OF_CONTRACTOR, args.rfp_id,
                       for_company=call.principal.company_id, for_update=True)
    status = RfpStatus(args.status) if args.status else None
    result = rfp_status.set_status(call.session, call.ctx, rfp, status=status,
                                   shared=args.shared, award_others=bool(args.award_others),
                                   decision=rfp_status.Decision(args.reason, args.rank))
    return StatusOut(rfp=rfps_out(call.session, [rfp])[0], changed=result.changed,
                     not_awarded=[_sibling(r) for r in result.not_awarded],
                     offers=[_sibling(r) for r in result.offers])


function(api=API, name="setRfpStatus", path="/rfps/{rfpId}/status", tag="RFPs",
         idempotent_writes=True,
         summary="Set your status of an invited subcontractor and whether they see it.",
         description="Statuses: " + "; ".join(f"{s.value} ({label})"
                                              for s, label in RFP_STATUS_LABELS.items()) +
                     ". Awarding offers to set the workpackage's other RFPs to not_awarded; "
                     "awardOthers=1 does it and sends each a thank-you message. awarded and "
                     "not_awarded also set the RFP's structured outcome, which the "
                     "subcontractor always sees (getRfp, getRfps), with the optional reason and "
                     "rank of a not_awarded outcome shown only to that subcontractor.",
         input=SetStatusIn, response=StatusOut, errors=["not_found"])(_set_status)
