"""Wire schemas: contractor projects."""

from __future__ import annotations

from pydantic import Field

from bidbridge.wire import ApiModel
from bidbridge.wire.contractor.outputs import DocumentOut, WorkpackageOut
from bidbridge.wire.projects import ProjectOut


class ProjectDetailOut(ProjectOut):
    workpackages: list[WorkpackageOut]
    documents: list[DocumentOut] = Field(description="Documents on the project itself; those of "
                                                     "a workpackage are counted on it.")


class ProjectListOut(ApiModel):
    projects: list[ProjectOut]
    next_cursor: str | None = Field(description="Pass as cursor for the next page; null at the end.")
