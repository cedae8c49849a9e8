"""Wire schemas: subcontractor messages."""

from __future__ import annotations

from pydantic import Field

from bidbridge.wire import ApiModel


class AttachmentOut(ApiModel):
    document_id: int
    name: str
    size: int
    sha256: str
    content_type: str
    download_path: str


class MessageOut(ApiModel):
    message_id: int
    direction: str = Field(description="to_contractor (we wrote) or to_subcontractor (to us).")
    author_name: str
    author_company_name: str
    text: str
    sent_at: int
    attachments: list[AttachmentOut]


class ThreadOut(ApiModel):
    rfp_id: int
    messages: list[MessageOut] = Field(description="Oldest first.")
