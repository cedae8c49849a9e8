"""submitProposal, getProposals and withdrawProposal: versioned, receipted proposals."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import TypeAdapter
from starlette.datastructures import UploadFile
from starlette.responses import Response

from bidbridge.api import idempotency
from bidbridge.api.call import Call
from bidbridge.api.declare import Input, Param, function, id_parameter
from bidbridge.api.subcontractor.budget_lines import RFP_ID
from bidbridge.clock import unix
from bidbridge.models import Proposal, Rfp
from bidbridge.services import addenda, documents, money, proposals
from bidbridge.services.proposals import Attachment, AttachmentInfo, Submission
from bidbridge.wire.subcontractor.proposals import (
    CONTENT_SHA256_RULE,
    AttachmentOut,
    ProposalOut,
    ReceiptOut,
)

API_PREFIX = "/rest/subcontractor/v1"


PROPOSALS = TypeAdapter(list[ProposalOut])


def _attachment_out(info: AttachmentInfo) -> AttachmentOut:
    return AttachmentOut(document_id=info.document_id, name=info.name,
                         content_type=info.content_type, size=info.size, sha256=info.sha256,
                         download_path=f"{API_PREFIX}/documents/{info.document_id}")


def proposal_out(p: Proposal, files: list[AttachmentInfo], latest_addendum: int) -> ProposalOut:
    attachments = [_attachment_out(f) for f in files]
    total = money.money_text(p.total_amount) or "0.00"
    receipt = ReceiptOut(proposal_id=p.id, version=p.version, submitted_at=unix(p.submitted_at),
                         total_amount=total, currency=p.currency, line_count=len(p.lines),
                         attachments=attachments, content_sha256=p.content_sha256)
    return ProposalOut(
        proposal_id=p.id, rfp_id=p.rfp_id, version=p.version,
        state=proposals.shown_state(p, latest_addendum), addendum_number=p.addendum_number,
        superseded=p.superseded_at is not None,
        superseded_at=unix(p.superseded_at) if p.superseded_at else None,
        submitted_at=unix(p.submitted_at), submitted_by_name=p.submitted_by_name,
        message=p.message, total_amount=total, currency=p.currency, lines=p.lines,
        attachments=attachments, content_sha256=p.content_sha256,
        withdrawn_at=unix(p.withdrawn_at) if p.withdrawn_at else None,
        withdrawn_reason=p.withdrawn_reason, updated_at=unix(p.updated_at), receipt=receipt)


def _attachments(files: list[UploadFile] | None) -> list[Attachment]:
    out = []
    for file in files or []:
        upload = documents.Upload(file.filename or "attachment", file.content_type or "",
                                  file.file)
        out.append(proposals.make_attachment(upload))
    return out


class SubmitProposalIn(Input):
    rfp_id: Annotated[int, RFP_ID]
    message: Annotated[str | None, Param(
        "message", "query", "An accompanying message to the contractor.",
        pattern=r"^([\s\S]{1,5000})$", max_length=5000,
        expected="text of at most 5000 characters",
        example="Our price includes scaffolding; valid for 60 days.")] = None
    total_amount: Annotated[Decimal | None, Param(
        "totalAmount", "query", "Your total price in EUR; only when the workpackage has no "
        "budget lines.", pattern=r"^(0|[1-9][0-9]{0,11})(\.[0-9]{1,2})?$", type="decimal",
        expected="an amount in EUR with at most 2 decimals, e.g. 12500.00",
        example="12500.00")] = None
    attachments: Annotated[list[UploadFile] | None, Param(
        "attachments", "query", "Files sent with the proposal (multipart/form-data): "
        "PDF, XLSX, DOCX or images.", type="file", many=True,
        expected="one or more files in a multipart/form-data body")] = None


def _workpackage_of(call: Call, proposal: Proposal) -> int:
    rfp = call.session.get(Rfp, proposal.rfp_id)
    assert rfp is not None
    return rfp.workpackage_id


def _submit_proposal(call: Call, args: SubmitProposalIn) -> Response:
    submission = Submission(message=args.message, total_amount=args.total_amount,
                            attachments=_attachments(args.attachments),
                            idempotency_key=idempotency.header_key(call.headers))
    result = proposals.submit_proposal(
        call.session, call.ctx, call.runtime.storage, call.principal.company_id, args.rfp_id,
        submission, max_bytes=call.runtime.settings.max_upload_bytes)
    files = proposals.attachments_of(call.session, [result.proposal.id])
    latest = addenda.latest_number(call.session, _workpackage_of(call, result.proposal))
    body = proposal_out(result.proposal, files[result.proposal.id], latest)
    headers = {idempotency.REPLAYED_HEADER: "true"} if result.replayed else {}
    return Response(body.model_dump_json(by_alias=True), status_code=200 if result.replayed
                    else 201, media_type="application/json", headers=headers)


function(
    api="subcontractor", name="submitProposal", path="/rfps/{rfpId}/proposals",
    tag="Proposals", response=ProposalOut, status=201,
    errors=["not_found", "deadline_passed", "rfp_forwarded", "rfp_decided",
            "addendum_unacknowledged", "nothing_priced",
            "idempotency_mismatch", "file_too_large", "storage_unavailable"],
    summary="Submit a new, immutable proposal version with a receipt.",
    description=(
        "Snapshots your included and excluded priced lines (budget lines and extra rows) into a "
        "new version; the previous version is superseded. When the workpackage has budget lines "
        "the total is the sum of the included line totals and totalAmount is refused; without "
        "budget lines totalAmount is required. Attachments: PDF, XLSX, DOCX or images, each up "
        "to BIDBRIDGE_MAX_UPLOAD_BYTES (50 MB by default; 413 beyond). Moves the RFP's status "
        "to proposal. Refused at and after the deadline (409 deadline_passed, with the "
        "deadline), after forwarding (409 rfp_forwarded) and once the contractor awarded the "
        "workpackage (409 rfp_decided). Refused until every addendum of the workpackage is "
        "acknowledged (409 addendum_unacknowledged, 'missing' lists their numbers); a version "
        "submitted before a later addendum shows state needs_reconfirmation: reconfirm by "
        "acknowledging and submitting again (lines whose quantity the addendum changed are "
        "unpriced; the others keep your draft prices), or withdraw it. Header Idempotency-Key "
        "(1–255 visible ASCII characters): a retry with the same key answers 200 with the "
        "version the first call created (header Idempotent-Replayed: true), never a duplicate, "
        "even after the deadline; the same key with different content answers 422 "
        "idempotency_mismatch. Keys are kept with the proposal, without expiry. The answer "
        "(201) carries a receipt; "
        "its contentSha256 lets you prove what was sent: " + CONTENT_SHA256_RULE),
    input=SubmitProposalIn,
)(_submit_proposal)


class ProposalsIn(Input):
    rfp_id: Annotated[int, RFP_ID]


def _get_proposals(call: Call, args: ProposalsIn) -> list[ProposalOut]:
    rfp, rows = proposals.list_proposals(call.session, call.principal.company_id, args.rfp_id)
    files = proposals.attachments_of(call.session, [p.id for p in rows])
    latest = addenda.latest_number(call.session, rfp.workpackage_id)
    return [proposal_out(p, files[p.id], latest) for p in rows]


function(
    api="subcontractor", name="getProposals", path="/rfps/{rfpId}/proposals",
    tag="Proposals", response=PROPOSALS, errors=["not_found"],
    summary="Every version of your proposal for an RFP, newest first.",
    description=(
        "Withdrawn and superseded versions stay listed (state=withdrawn, superseded=true). Each "
        "carries its line snapshot, attachments and receipt."),
    input=ProposalsIn,
)(_get_proposals)


class WithdrawIn(Input):
    proposal_id: Annotated[int, id_parameter(
        "proposalId", "template", "The proposal's id (proposalId from getProposals).",
        required=True, expected="a positive whole number", example=1)]
    reason: Annotated[str, Param(
        "reason", "query", "Why you withdraw; shown to the contractor.",
        pattern=r"^([\s\S]{1,2000})$", max_length=2000, required=True,
        expected="text of at most 2000 characters",
        example="We found an error in our calculation.")]


def _withdraw_proposal(call: Call, args: WithdrawIn) -> ProposalOut:
    proposal = proposals.withdraw_proposal(call.session, call.ctx, call.principal.company_id,
                                           args.proposal_id, args.reason)
    files = proposals.attachments_of(call.session, [proposal.id])
    return proposal_out(proposal, files[proposal.id],
                        addenda.latest_number(call.session, _workpackage_of(call, proposal)))


function(
    api="subcontractor", name="withdrawProposal", path="/proposals/{proposalId}/withdraw",
    tag="Proposals", response=ProposalOut, idempotent_writes=True,
    errors=["not_found", "already_withdrawn", "proposal_superseded", "deadline_passed",
            "rfp_forwarded", "rfp_decided"],
    summary="Withdraw your current proposal version before the deadline.",
    description=(
        "Only the current (latest, submitted) version can be withdrawn, and only before the "
        "deadline: after it the contractor may already be comparing prices. The version stays "
        "listed by getProposals with state=withdrawn. The RFP's status goes back from proposal "
        "to calculating; submit again to make a new offer."),
    input=WithdrawIn,
)(_withdraw_proposal)
