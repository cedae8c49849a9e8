"""submitProposal, getProposals and withdrawProposal: versioned, receipted proposals."""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, TypeAdapter
from starlette.datastructures import UploadFile
from starlette.responses import Response

from bidbridge.api.call import Call
from bidbridge.api.declare import ApiModel, Param, function
from bidbridge.api.subcontractor.budget_lines import ID_PATTERN, RFP_ID
from bidbridge.clock import unix
from bidbridge.errors import InvalidParameters
from bidbridge.models import Proposal, Rfp
from bidbridge.services import addenda, documents, money, proposals
from bidbridge.services.proposals import Attachment, AttachmentInfo, Submission

IDEMPOTENCY_HEADER = "Idempotency-Key"  # the same header the generic dispatch layer honours
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"
_KEY = re.compile(KEY_PATTERN)
API_PREFIX = "/rest/subcontractor/v1"


# Inlined in the reference: an integrator reading the hosted docs has no copy of the repository.
CONTENT_SHA256_RULE = (
    "lowercase hex SHA-256 of the UTF-8 JSON object {rfpId, version, message, totalAmount, "
    "currency, lines, attachments} with the values getProposals gives for this version "
    "(attachments: the list of their sha256), serialised with sorted keys, no spaces and no "
    "escaping of non-ASCII characters (Python: json.dumps(obj, sort_keys=True, "
    "separators=(',', ':'), ensure_ascii=False)).")


class AttachmentOut(ApiModel):
    document_id: int
    name: str
    content_type: str
    size: int
    sha256: str
    download_path: str = Field(description="GET it with your token (getDocument).")


class ReceiptOut(ApiModel):
    proposal_id: int
    version: int
    submitted_at: int = Field(description="Unix seconds.")
    total_amount: str
    currency: str
    line_count: int
    attachments: list[AttachmentOut]
    content_sha256: str = Field(description=CONTENT_SHA256_RULE)


class ProposalOut(ApiModel):
    proposal_id: int
    rfp_id: int
    version: int
    state: str = Field(description="submitted, needs_reconfirmation (a current version "
                                   "submitted before the workpackage's latest addendum) or "
                                   "withdrawn")
    addendum_number: int = Field(description="The latest addendum published when this version "
                                             "was submitted; 0: none.")
    superseded: bool = Field(description="A later version exists.")
    superseded_at: int | None
    submitted_at: int
    submitted_by_name: str
    message: str | None
    total_amount: str = Field(description="EUR, two decimals.")
    currency: str
    lines: list[dict[str, Any]] = Field(description="The snapshot of the priced lines at "
                                                    "submission; never changes afterwards.")
    attachments: list[AttachmentOut]
    content_sha256: str
    withdrawn_at: int | None
    withdrawn_reason: str | None
    updated_at: int
    receipt: ReceiptOut


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


def _idempotency_key(call: Call) -> str | None:
    raw = call.headers.get(IDEMPOTENCY_HEADER)
    if raw is None:
        return None
    if not _KEY.fullmatch(raw):
        raise InvalidParameters(
            f"The header {IDEMPOTENCY_HEADER} must be 1 to 255 visible ASCII characters (no "
            "spaces); a UUID generated once per submission is a good key.",
            data={"errors": [{"parameter": IDEMPOTENCY_HEADER, "in": "header",
                              "problem": "pattern", "pattern": KEY_PATTERN,
                              "message": f"{IDEMPOTENCY_HEADER} must be 1–255 visible ASCII "
                                         "characters",
                              "expected": "1–255 visible ASCII characters, e.g. a UUID"}]})
    return raw


def _attachments(files: list[UploadFile] | None) -> list[Attachment]:
    out = []
    for file in files or []:
        upload = documents.Upload(file.filename or "attachment", file.content_type or "",
                                  file.file)
        out.append(proposals.make_attachment(upload))
    return out


def _workpackage_of(call: Call, proposal: Proposal) -> int:
    rfp = call.session.get(Rfp, proposal.rfp_id)
    assert rfp is not None
    return rfp.workpackage_id


def _submit_proposal(call: Call) -> Response:
    submission = Submission(message=call["message"], total_amount=call["totalAmount"],
                            attachments=_attachments(call["attachments"]),
                            idempotency_key=_idempotency_key(call))
    result = proposals.submit_proposal(
        call.session, call.ctx, call.runtime.storage, call.principal.company_id, call["rfpId"],
        submission, max_bytes=call.runtime.settings.max_upload_bytes)
    files = proposals.attachments_of(call.session, [result.proposal.id])
    latest = addenda.latest_number(call.session, _workpackage_of(call, result.proposal))
    body = proposal_out(result.proposal, files[result.proposal.id], latest)
    headers = {REPLAYED_HEADER: "true"} if result.replayed else {}
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
        "Snapshots your included and excluded priced lines (budget lines and extra rows) into a"
        " new version; the previous version is superseded. When the workpackage has budget "
        "lines the total is the sum of the included line totals and totalAmount is refused; "
        "without budget lines totalAmount is required. Attachments: PDF, XLSX, DOCX or images, "
        "each up to BIDBRIDGE_MAX_UPLOAD_BYTES (50 MB by default; 413 beyond). Moves the RFP's "
        "status to proposal. Refused at and after the deadline (409 deadline_passed, with the "
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
    params=[
        RFP_ID,
        Param("message", "query", "An accompanying message to the contractor.",
              pattern=r"^([\s\S]{1,5000})$", max_length=5000,
              expected="text of at most 5000 characters",
              example="Our price includes scaffolding; valid for 60 days."),
        Param("totalAmount", "query", "Your total price in EUR; only when the workpackage has no "
              "budget lines.", pattern=r"^(0|[1-9][0-9]{0,11})(\.[0-9]{1,2})?$", type="decimal",
              expected="an amount in EUR with at most 2 decimals, e.g. 12500.00",
              example="12500.00"),
        Param("attachments", "query", "Files sent with the proposal (multipart/form-data): "
              "PDF, XLSX, DOCX or images.", type="file", many=True,
              expected="one or more files in a multipart/form-data body"),
    ],
)(_submit_proposal)


def _get_proposals(call: Call) -> list[ProposalOut]:
    rfp, rows = proposals.list_proposals(call.session, call.principal.company_id, call["rfpId"])
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
    params=[RFP_ID],
)(_get_proposals)


def _withdraw_proposal(call: Call) -> ProposalOut:
    proposal = proposals.withdraw_proposal(call.session, call.ctx, call.principal.company_id,
                                           call["proposalId"], call["reason"])
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
    params=[
        Param("proposalId", "template", "The proposal's id (proposalId from getProposals).",
              pattern=ID_PATTERN, required=True, type="integer",
              expected="a positive whole number", example=1),
        Param("reason", "query", "Why you withdraw; shown to the contractor.",
              pattern=r"^([\s\S]{1,2000})$", max_length=2000, required=True,
              expected="text of at most 2000 characters",
              example="We found an error in our calculation."),
    ],
)(_withdraw_proposal)
