"""Proposals: immutable, versioned submissions of a subcontractor's price for one RFP.

A submission snapshots the priced lines, supersedes the previous version and is receipted with
a SHA-256 over its canonical content (see ``content_sha256``). An Idempotency-Key is stored on
the version it created, under UNIQUE (rfp_id, idempotency_key): a retry, however many race,
gets that same version back.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, BinaryIO

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bidbridge.clock import unix
from bidbridge.errors import AppError, Conflict, InvalidParameters
from bidbridge.models import Document, DocumentVersion, Proposal, ProposalState, Rfp, RfpStatus
from bidbridge.services import addenda, documents, events, money
from bidbridge.services.audit import record_event
from bidbridge.services.bill import counts_in_total
from bidbridge.services.context import RequestContext
from bidbridge.services.pricing import Amounts, BudgetSheet, load_sheet
from bidbridge.services.scoping import (
    PROPOSAL_OF_SUBCONTRACTOR,
    RFP_OF_SUBCONTRACTOR,
    load,
    touch_rfp,
)
from bidbridge.services.tender_rules import (
    ensure_before_deadline,
    ensure_not_decided,
    ensure_not_forwarded,
)
from bidbridge.storage import Storage


@dataclass(frozen=True)
class Attachment:
    """An uploaded file, hashed before anything is stored (the hash is part of the request)."""

    upload: documents.Upload
    content_type: str
    size: int
    sha256: str


def hash_stream(stream: BinaryIO) -> tuple[int, str]:
    """(size, sha256) of a seekable stream, left at its start."""
    digest = hashlib.sha256()
    size = 0
    stream.seek(0)
    for chunk in iter(lambda: stream.read(1 << 20), b""):
        digest.update(chunk)
        size += len(chunk)
    stream.seek(0)
    return size, digest.hexdigest()


def make_attachment(upload: documents.Upload, parameter: str = "attachments") -> Attachment:
    """Judge the file type by its name (422 naming ``parameter``) and hash it before storing."""
    media = documents.attachment_type(upload, parameter)
    size, sha256 = hash_stream(upload.stream)
    return Attachment(upload=upload, content_type=media, size=size, sha256=sha256)


@dataclass(frozen=True)
class Submission:
    message: str | None
    total_amount: Decimal | None
    attachments: list[Attachment]
    idempotency_key: str | None = None


@dataclass(frozen=True)
class Submitted:
    proposal: Proposal
    replayed: bool  # True when an earlier call with the same Idempotency-Key created it


def canonical_json(value: Any) -> bytes:
    """The canonical form hashed into receipts: sorted keys, no spaces, UTF-8, no escapes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_sha256(rfp_id: int, version: int, message: str | None, total_amount: Decimal,
                   lines: list[dict[str, Any]], attachment_sha256s: list[str]) -> str:
    """SHA-256 (hex) of the canonical JSON of what was submitted; documented in
    docs/proposals.md so an integrator can recompute it from getProposals."""
    return hashlib.sha256(canonical_json({
        "rfpId": rfp_id, "version": version, "message": message,
        "totalAmount": money.money_text(total_amount), "currency": money.CURRENCY,
        "lines": lines, "attachments": attachment_sha256s,
    })).hexdigest()


def request_sha256(rfp_id: int, submission: Submission) -> str:
    """What the caller asked for (not the drafts it points at): compared on a keyed retry."""
    total = submission.total_amount
    return hashlib.sha256(canonical_json({
        "rfpId": rfp_id, "message": submission.message,
        "totalAmount": money.money_text(total) if total is not None else None,
        "attachments": [{"name": a.upload.filename, "sha256": a.sha256}
                        for a in submission.attachments],
    })).hexdigest()


def snapshot_line(line_id: int | None, entry_id: int, code: str | None, description: str | None,
                  quantity: Decimal, unit: str | None, found: Amounts, included: bool
                  ) -> dict[str, Any]:
    return {
        "kind": "line" if line_id is not None else "extra",
        "budgetLineId": line_id, "priceEntryId": entry_id, "code": code,
        "description": description, "quantity": money.quantity_text(quantity), "unit": unit,
        "unitPrice": money.unit_price_text(found.unit_price,
                                           derived=found.priced_by == "totalPrice"),
        "totalPrice": money.money_text(found.total_price), "pricedBy": found.priced_by,
        "included": included,
    }


def snapshot(sheet: BudgetSheet) -> list[dict[str, Any]]:
    """The priced lines as they stand now, budget lines first, then extra rows."""
    rows = []
    for line, entry, found in sheet.live_rows():
        if line is not None:
            row = snapshot_line(line.id, entry.id, line.code, line.description,
                                line.quantity, line.unit, found, entry.included)
            # The bill's view of the line: its OZ, its type and whether it counts in the total.
            row.update({"oz": line.oz, "itemType": line.item_type or "normal",
                        "countsInTotal": counts_in_total(line)})
            if entry.up_components:
                row["upComponents"] = list(entry.up_components)
            if entry.bidder_texts:
                row["bidderTexts"] = dict(entry.bidder_texts)
            rows.append(row)
        else:
            rows.append(snapshot_line(None, entry.id, None, entry.description,
                                      entry.quantity or Decimal(0), entry.unit, found,
                                      entry.included))
    return rows


def _by_key(session: Session, rfp_id: int, key: str) -> Proposal | None:
    return session.scalar(select(Proposal).where(Proposal.rfp_id == rfp_id,
                                                 Proposal.idempotency_key == key))


def _replay(existing: Proposal, digest: str) -> Submitted:
    if existing.request_sha256 != digest:
        raise InvalidParameters(
            f"This Idempotency-Key was already used for version {existing.version} (proposal "
            f"{existing.id}) with different content. Use a new key for a new submission; reuse a "
            "key only to retry exactly the same request.", code="idempotency_mismatch",
            data={"errors": [{"parameter": "Idempotency-Key", "in": "header",
                              "problem": "mismatch",
                              "message": "the key was used with a different request"}],
                  "proposalId": existing.id})
    return Submitted(existing, replayed=True)


def _total(sheet: BudgetSheet, given: Decimal | None) -> Decimal:
    has_lines = any(line.deleted_at is None for line, _ in sheet.lines)
    if has_lines and given is not None:
        raise InvalidParameters(
            "This workpackage has budget lines: the proposal's total is computed from your "
            "included priced lines, so leave 'totalAmount' out.",
            data={"errors": [{"parameter": "totalAmount", "in": "query", "problem": "not_allowed",
                              "message": "not accepted when the workpackage has budget lines"}]})
    if has_lines:
        if sheet.included_count == 0:
            raise AppError(
                "No budget line is priced and included yet, so there is nothing to submit. Price "
                "the lines with priceBudgetLines (and keep included=true for the lines you "
                "offer), then submit again.", code="nothing_priced", status=422,
                data={"pricedLines": sheet.priced_count})
        return sheet.included_total
    if given is None:
        raise InvalidParameters(
            "This workpackage has no budget lines: send your price as 'totalAmount'.",
            data={"errors": [{"parameter": "totalAmount", "in": "query", "problem": "missing",
                              "message": "required when the workpackage has no budget lines",
                              "expected": "an amount in EUR with at most 2 decimals"}]})
    return given


def submit_proposal(session: Session, ctx: RequestContext, storage: Storage, company_id: int,
                    rfp_id: int, submission: Submission, *, max_bytes: int) -> Submitted:
    for attachment in submission.attachments:
        if attachment.size > max_bytes:
            raise AppError(f"'attachments': {attachment.upload.filename!r} is larger than the "
                           f"limit of {max_bytes // (1024 * 1024)} MB.", code="file_too_large",
                           status=413, data={"parameter": "attachments", "limit": max_bytes})
    # The RFP row lock serialises submissions per RFP: versions never collide and a keyed retry
    # waiting here sees the version its twin committed.
    rfp = load(session, RFP_OF_SUBCONTRACTOR, rfp_id, for_company=company_id, for_update=True)
    digest = request_sha256(rfp.id, submission)
    key = submission.idempotency_key
    if key is not None:
        existing = _by_key(session, rfp.id, key)
        if existing is not None:
            return _replay(existing, digest)
    now = ctx.now()
    ensure_not_forwarded(rfp, "submitting a proposal")
    ensure_not_decided(rfp, "submitting a proposal")
    ensure_before_deadline(rfp, now, "submitting a proposal")
    # Read under the RFP lock, which publishing an addendum takes too: the number and the bill
    # below belong together.
    addendum_number = addenda.ensure_acknowledged(session, rfp, "submitting a proposal")
    sheet = load_sheet(session, rfp)
    total = _total(sheet, submission.total_amount)
    lines = snapshot(sheet)
    version = (session.scalar(select(func.max(Proposal.version))
                              .where(Proposal.rfp_id == rfp.id)) or 0) + 1
    proposal = Proposal(
        rfp_id=rfp.id, version=version, state=ProposalState.SUBMITTED, submitted_at=now,
        submitted_by_id=ctx.actor.id, submitted_by_name=ctx.actor.name,
        message=submission.message, total_amount=total, currency=money.CURRENCY, lines=lines,
        content_sha256=content_sha256(rfp.id, version, submission.message, total, lines,
                                      [a.sha256 for a in submission.attachments]),
        updated_at=now, idempotency_key=key, request_sha256=digest,
        addendum_number=addendum_number)
    try:
        with session.begin_nested():
            session.execute(update(Proposal).where(Proposal.rfp_id == rfp.id,
                                                   Proposal.superseded_at.is_(None))
                            .values(superseded_at=now, updated_at=now))
            session.add(proposal)
            session.flush()
    except IntegrityError:
        # Only reachable if a writer bypassed the RFP lock; the constraint still holds the line.
        existing = _by_key(session, rfp.id, key) if key is not None else None
        if existing is None:
            raise
        return _replay(existing, digest)
    for attachment in submission.attachments:
        documents.add_document(session, ctx, storage, attachment.upload,
                               owner_company_id=company_id, max_bytes=max_bytes,
                               parameter="attachments", content_type=attachment.content_type,
                               proposal_id=proposal.id)
    _set_status(session, ctx, rfp, RfpStatus.PROPOSAL, company_id)
    touch_rfp(rfp, now)
    record_event(session, ctx, "proposal.submitted", company_id=company_id,
                 target_type="proposal", target_id=proposal.id,
                 target_label=f"RFP {rfp.id} version {version}",
                 data={"rfpId": rfp.id, "version": version, "totalAmount": money.money_text(total),
                       "lineCount": len(lines), "attachmentCount": len(submission.attachments),
                       "contentSha256": proposal.content_sha256,
                       "addendumNumber": addendum_number})
    events.emit(session, ctx, "proposal.submitted", company_id=company_id,
                subject_id=proposal.id, rfp_id=rfp.id)
    session.flush()
    return Submitted(proposal, replayed=False)


def _set_status(session: Session, ctx: RequestContext, rfp: Rfp, status: RfpStatus,
                company_id: int) -> None:
    if rfp.status == status:
        return
    before = rfp.status
    rfp.status = status
    # The contractor's trail, not the subcontractor's: the status may be internal to the GC.
    record_event(session, ctx, "rfp.status_changed", company_id=rfp.contractor_company_id,
                 target_type="rfp",
                 target_id=rfp.id, target_label=rfp.workpackage.name,
                 data={"from": before.value, "to": status.value})


def withdraw_proposal(session: Session, ctx: RequestContext, company_id: int, proposal_id: int,
                      reason: str) -> Proposal:
    """Withdraw the current version before the deadline; it stays listed as a tombstone."""
    proposal = load(session, PROPOSAL_OF_SUBCONTRACTOR, proposal_id, for_company=company_id)
    rfp = load(session, RFP_OF_SUBCONTRACTOR, proposal.rfp_id, for_company=company_id, for_update=True)
    session.refresh(proposal)  # what a submission committed while we waited for the lock
    if proposal.state == ProposalState.WITHDRAWN:
        raise Conflict(f"Proposal {proposal.id} (version {proposal.version}) was already "
                       "withdrawn.", code="already_withdrawn",
                       data={"withdrawnAt": unix(proposal.withdrawn_at)
                             if proposal.withdrawn_at else None})
    if proposal.superseded_at is not None:
        current = session.scalar(select(func.max(Proposal.version))
                                 .where(Proposal.rfp_id == rfp.id))
        raise Conflict(f"Proposal {proposal.id} is version {proposal.version}, superseded by "
                       f"version {current}; only the current version can be withdrawn.",
                       code="proposal_superseded", data={"currentVersion": current})
    now = ctx.now()
    ensure_not_forwarded(rfp, "withdrawing a proposal")
    ensure_not_decided(rfp, "withdrawing a proposal")
    ensure_before_deadline(rfp, now, "withdrawing a proposal")
    proposal.state = ProposalState.WITHDRAWN
    proposal.withdrawn_at = now
    proposal.withdrawn_reason = reason
    proposal.updated_at = now
    if rfp.status == RfpStatus.PROPOSAL:
        _set_status(session, ctx, rfp, RfpStatus.CALCULATING, company_id)
    touch_rfp(rfp, now)
    record_event(session, ctx, "proposal.withdrawn", company_id=company_id,
                 target_type="proposal", target_id=proposal.id,
                 target_label=f"RFP {rfp.id} version {proposal.version}",
                 data={"rfpId": rfp.id, "version": proposal.version, "reason": reason})
    events.emit(session, ctx, "proposal.withdrawn", company_id=company_id,
                subject_id=proposal.id, rfp_id=rfp.id)
    session.flush()
    return proposal


def needs_reconfirmation(proposal: Proposal, latest_addendum: int) -> bool:
    """A current, submitted version from before the workpackage's latest addendum."""
    return (proposal.state == ProposalState.SUBMITTED and proposal.superseded_at is None
            and proposal.addendum_number < latest_addendum)


def shown_state(proposal: Proposal, latest_addendum: int) -> str:
    """submitted, needs_reconfirmation or withdrawn."""
    if needs_reconfirmation(proposal, latest_addendum):
        return "needs_reconfirmation"
    return proposal.state.value


@dataclass(frozen=True)
class AttachmentInfo:
    document_id: int
    name: str
    content_type: str
    size: int
    sha256: str


def attachments_of(session: Session, proposal_ids: list[int]) -> dict[int, list[AttachmentInfo]]:
    """Each proposal's attachments in upload order, from the documents' current versions."""
    found: dict[int, list[AttachmentInfo]] = {pid: [] for pid in proposal_ids}
    if not proposal_ids:
        return found
    rows = session.execute(
        select(Document, DocumentVersion)
        .join(DocumentVersion, (DocumentVersion.document_id == Document.id)
              & (DocumentVersion.version == Document.current_version))
        .where(Document.proposal_id.in_(proposal_ids)).order_by(Document.id))
    for doc, version in rows:
        assert doc.proposal_id is not None
        found[doc.proposal_id].append(AttachmentInfo(doc.id, version.name, version.content_type,
                                                     version.size, version.sha256))
    return found


def list_proposals(session: Session, company_id: int, rfp_id: int) -> tuple[Rfp, list[Proposal]]:
    """Every version of our proposal for an RFP, newest first."""
    rfp = load(session, RFP_OF_SUBCONTRACTOR, rfp_id, for_company=company_id)
    rows = list(session.scalars(select(Proposal).where(Proposal.rfp_id == rfp.id)
                                .order_by(Proposal.version.desc())))
    return rfp, rows
