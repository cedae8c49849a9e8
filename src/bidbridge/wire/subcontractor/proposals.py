"""Wire schemas: subcontractor proposals."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from bidbridge.wire import ApiModel

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
    state: str = Field(description="submitted or withdrawn")
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
