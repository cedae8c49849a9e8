"""Wire schemas: contractor messages."""

from __future__ import annotations

from pydantic import Field

from bidbridge.wire import ApiModel
from bidbridge.wire.contractor.outputs import DocumentOut


class MessageOut(ApiModel):
    id: int
    rfp_id: int
    direction: str = Field(description="to_subcontractor (sent by you) or to_contractor.")
    author_company_id: int
    author_name: str
    text: str
    sent_at: int
    attachments: list[DocumentOut]
