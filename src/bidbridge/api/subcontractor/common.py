"""Parameters and patterns the subcontractor tendering functions share."""

from __future__ import annotations

from bidbridge.api.declare import Param, id_parameter

# Free text: any characters but control characters (tab, newline and carriage return are fine),
# and at least one that is not white space.
TEXT_PATTERN = r"^(?=[\s\S]*\S)[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+$"
PREFIX = "/rest/subcontractor/v1"


def id_param(name: str, what: str, example: int = 1) -> Param:
    return id_parameter(name, "template", f"The id of the {what}.", required=True,
                        expected=f"a {what} id (a positive whole number)", example=example)


RFP_ID = id_param("rfpId", "RFP")
DOCUMENT_ID = id_param("documentId", "document")


def document_path(document_id: int, version: int | None = None) -> str:
    base = f"{PREFIX}/documents/{document_id}"
    return base if version is None else f"{base}/versions/{version}"
