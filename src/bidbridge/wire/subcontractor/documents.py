"""Wire schemas: subcontractor documents."""

from __future__ import annotations

from pydantic import Field

from bidbridge.wire import ApiModel


class VersionOut(ApiModel):
    version: int
    size: int
    sha256: str
    content_type: str
    uploaded_at: int
    download_path: str


class DocumentOut(ApiModel):
    document_id: int
    name: str
    scope: str = Field(description="project or workpackage")
    version: int = Field(description="The current version.")
    size: int
    sha256: str
    content_type: str
    updated_at: int
    deleted: bool = Field(description="A tombstone: the contractor removed the document.")
    deleted_at: int | None
    download_path: str | None = Field(description="Null for deleted documents.")
    versions: list[VersionOut] = Field(description="Every version, oldest first.")
