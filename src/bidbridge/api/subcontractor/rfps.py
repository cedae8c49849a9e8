"""getRfps, getRfp, respondToRfp and forwardRfp: the subcontractor's RFPs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic_core import to_json

from bidbridge.api import cursors
from bidbridge.api.call import Call
from bidbridge.api.declare import Input, NoInput, Param, function, id_parameter
from bidbridge.api.shared import CURSOR_PATTERN, LIMIT_PATTERN, UNIX_PATTERN
from bidbridge.api.subcontractor.common import RFP_ID, TEXT_PATTERN
from bidbridge.api.subcontractor.rfp_models import rfp_answer, rfp_summary_out, summary_fields
from bidbridge.clock import unix
from bidbridge.models import Rfp, RfpResponse, RfpStatus
from bidbridge.reference import alternation
from bidbridge.services import forwarding, rfp_board, rfps
from bidbridge.services.rfp_listing import Position, RfpFilter, list_rfps
from bidbridge.services.rfp_summary import rfp_summary
from bidbridge.wire.subcontractor.rfps import (
    ForwardResult,
    ResponseResult,
    RfpOut,
    RfpPageOut,
    RfpSummaryOut,
)

STATUS_PATTERN = "^" + alternation([s.value for s in RfpStatus]) + "$"
RESPONSE_PATTERN = r"^(calculate|pending|decline)$"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


CURSOR_TAG = "r1"  # getRfps' cursors say r1: the change time and the RFP id


class GetRfpsIn(Input):
    status: Annotated[str | None, Param(
        "status", "query", "Only RFPs whose shared contractor status is this.",
        pattern=STATUS_PATTERN, expected="one of " + ", ".join(s.value for s in RfpStatus),
        example="calculating")] = None
    response: Annotated[str | None, Param(
        "response", "query", "Only RFPs with this response of ours; none = not answered.",
        pattern=r"^(calculate|pending|decline|none)$",
        expected="calculate, pending, decline or none", example="none")] = None
    updated_since: Annotated[int | None, Param(
        "updatedSince", "query", "Only RFPs changed at or after this moment.",
        pattern=UNIX_PATTERN, type="integer", expected="unix seconds",
        example=1767225600)] = None
    project_id: Annotated[int | None, id_parameter(
        "projectId", "query", "Only RFPs of this project.",
        expected="a project id from an earlier getRfps", example=1)] = None
    outcome: Annotated[str | None, Param(
        "outcome", "query", "Only RFPs with this award outcome; none = not decided yet.",
        pattern=r"^(awarded|not_awarded|cancelled|none)$",
        expected="awarded, not_awarded, cancelled or none", example="awarded")] = None
    cursor: Annotated[str | None, Param(
        "cursor", "query", "The nextCursor of the previous page.", pattern=CURSOR_PATTERN,
        expected="a nextCursor value from getRfps")] = None
    limit: Annotated[int, Param(
        "limit", "query", "RFPs per page, 1–200 (default 50).", pattern=LIMIT_PATTERN,
        type="integer", expected="a whole number from 1 to 200", example=50, default=50)] = 50


@function(
    api="subcontractor", name="getRfps", light=True, path="/rfps", tag="RFPs",
    summary="Your company's RFPs, in the order they changed, a page at a time.",
    description=(
        "Ordered by updatedAt, then rfpId: an RFP that changes while you page moves to the end "
        "and shows up again on a later page, so paging to the end never misses a change. For an "
        "incremental sync, remember the largest updatedAt you saw and pass it as updatedSince "
        "next time (inclusive: you may see an RFP again; treat items as upserts by rfpId). "
        "status matches only a status the contractor shares with you; an RFP whose status the "
        "contractor keeps internal matches no status value. Sync without status, and filter "
        "by status for work lists."),
    input=GetRfpsIn,
    response=RfpPageOut,
    errors=["not_found"],
    read_only=True,
)
def get_rfps(call: Call, args: GetRfpsIn) -> RfpPageOut:
    since = args.updated_since
    filters = RfpFilter(
        status=RfpStatus(args.status) if args.status else None,
        response=args.response,
        updated_since=datetime.fromtimestamp(since, UTC) if since is not None else None,
        project_id=args.project_id, outcome=args.outcome)
    after = Position(*cursors.after_change(args.cursor, CURSOR_TAG, function="getRfps")) \
        if args.cursor else None
    page = list_rfps(call.connection, call.principal.company_id, filters, after, args.limit)
    return RfpPageOut.model_validate({
        "rfps": [summary_fields(r) for r in page.rows],
        "next_cursor": cursors.by_change(page.next_position.updated_at,
                                         page.next_position.rfp_id, CURSOR_TAG)
        if page.next_position else None})


class RfpIn(Input):
    rfp_id: Annotated[int, RFP_ID]


@function(
    api="subcontractor", name="getRfp", light=True, path="/rfps/{rfpId}", tag="RFPs",
    summary="One RFP: project, contractor and its visible contacts, workpackage, deadlines, "
            "status (when shared), our response, counts and the current proposal.",
    input=RfpIn, response=RfpOut, errors=["not_found"],
)
def get_rfp(call: Call, args: RfpIn) -> bytes:
    detail = rfps.read_rfp_detail(call.connection, call.principal.company_id, args.rfp_id)
    if detail.rfp.opened_at is None:  # the contractor's "opened", noted with the log row
        rfp_id = detail.rfp.id
        call.after_read(lambda session: rfp_board.mark_opened(
            session, call.ctx, session.get_one(Rfp, rfp_id)))
    return to_json(rfp_answer(detail, unix(call.ctx.now())))


@function(
    api="subcontractor", name="getRfpSummary", path="/rfps/summary", tag="RFPs",
    summary="Your RFPs at a glance: how many per status and per response, and the next "
            "deadline.",
    input=NoInput, response=RfpSummaryOut,
)
def get_rfp_summary(call: Call, args: NoInput) -> RfpSummaryOut:
    return rfp_summary_out(rfp_summary(call.session, call.principal.company_id, call.ctx.now()))


class RespondIn(Input):
    rfp_id: Annotated[int, RFP_ID]
    response: Annotated[str, Param(
        "response", "query", "calculate, pending or decline.", pattern=RESPONSE_PATTERN,
        required=True, expected="calculate, pending or decline", example="calculate")]
    note: Annotated[str | None, Param(
        "note", "query", "A note to the contractor, up to 2,000 characters.",
        pattern=TEXT_PATTERN, max_length=2000, expected="text of at most 2000 characters",
        example="Expect our price by Friday.")] = None


@function(
    api="subcontractor", name="respondToRfp", path="/rfps/{rfpId}/response", tag="RFPs",
    summary="Answer an RFP: calculate, pending or decline, with an optional note.",
    description=(
        "Moves the contractor's status: calculate → Calculating, pending → Pending, decline → "
        "Not calculating, never backwards: a status beyond that (Proposal, Within budget, "
        "Awarded, Not awarded) stays as it is and only the response is recorded; Proposal to "
        "follow stays on calculate. Declining while a proposal of yours stands is refused "
        "(proposal_submitted): withdraw it first. Refused at and after the deadline and after "
        "forwarding. Answering again replaces the earlier response."),
    input=RespondIn, response=ResponseResult,
    errors=["not_found", "deadline_passed", "rfp_forwarded", "proposal_submitted"],
    idempotent_writes=True,
)
def respond_to_rfp(call: Call, args: RespondIn) -> ResponseResult:
    rfp = rfps.respond_to_rfp(call.session, call.ctx, call.principal.company_id, args.rfp_id,
                              RfpResponse(args.response), args.note)
    assert rfp.response is not None and rfp.responded_at is not None
    return ResponseResult(rfp_id=rfp.id, response=rfp.response.value, note=rfp.response_note,
                          responded_at=unix(rfp.responded_at),
                          status=rfp.status.value if rfp.status_shared else None,
                          updated_at=unix(rfp.updated_at))


class ForwardIn(Input):
    rfp_id: Annotated[int, RFP_ID]
    partner_company_id: Annotated[int, id_parameter(
        "partnerCompanyId", "query", "The id of the subcontractor company to hand over to.",
        required=True, expected="the id of another subcontractor company", example=2)]
    message: Annotated[str | None, Param(
        "message", "query", "A message to the partner, up to 2,000 characters.",
        pattern=TEXT_PATTERN, max_length=2000, expected="text of at most 2000 characters",
        example="Can you take this one? We are fully booked.")] = None


@function(
    api="subcontractor", name="forwardRfp", path="/rfps/{rfpId}/forward", tag="RFPs",
    summary="Hand the RFP to a partner subcontractor, once; your company steps out of it.",
    description=(
        "The partner gets its own RFP for the same workpackage (status Unknown) and sees your "
        "company's name and message on it. Your RFP becomes Not calculating with the response "
        "decline; you can still read it, but no longer respond, message or forward. Refused "
        "at and after the deadline, and while a proposal of yours stands. A partner that has "
        "an RFP for this workpackage already keeps the one it has; the answer is the same "
        "either way, so it never tells you who else was invited."),
    input=ForwardIn, response=ForwardResult,
    errors=["not_found", "already_forwarded", "deadline_passed",
            "proposal_submitted"],
    idempotent_writes=True,
)
def forward_rfp(call: Call, args: ForwardIn) -> ForwardResult:
    done = forwarding.forward_rfp(call.session, call.ctx, call.principal.company_id,
                                  args.rfp_id, args.partner_company_id, args.message)
    rfp = done.rfp
    assert rfp.forwarded_at is not None
    return ForwardResult(rfp_id=rfp.id, partner_company_id=done.partner.id,
                         partner_company_name=done.partner.name,
                         forwarded_at=unix(rfp.forwarded_at), response="decline",
                         updated_at=unix(rfp.updated_at))
