"""getDocuments, getDocument and getDocumentVersion: tender documents and their bytes."""

from __future__ import annotations

from typing import Annotated

from pydantic import TypeAdapter
from starlette.responses import Response

from bidbridge.api.call import Call
from bidbridge.api.declare import Input, function, id_parameter
from bidbridge.api.download import download
from bidbridge.api.subcontractor.common import DOCUMENT_ID, RFP_ID, document_path
from bidbridge.clock import unix
from bidbridge.services.rfp_documents import ManifestEntry, tender_documents, version_to_download
from bidbridge.wire.subcontractor.documents import (
    DocumentOut,
    VersionOut,
)

DOWNLOAD_ERRORS = ["not_found", "range_not_satisfiable", "storage_unavailable"]
DOWNLOAD_DESCRIPTION = (
    "Streams the bytes. ETag is the SHA-256 of the content in quotes; send it back as "
    "If-None-Match to get 304 when nothing changed. Range: bytes=a-b, bytes=a- or bytes=-n "
    "answers 206 with Content-Range (resume a broken download); a range past the end answers "
    "416. HEAD gives the headers only.")


DOCUMENTS = TypeAdapter(list[DocumentOut])


def document_out(entry: ManifestEntry) -> DocumentOut:
    doc, current = entry.document, entry.current
    deleted = doc.deleted_at is not None
    return DocumentOut(
        document_id=doc.id, name=doc.name,
        scope="workpackage" if doc.workpackage_id is not None else "project",
        version=current.version, size=current.size, sha256=current.sha256,
        content_type=current.content_type, updated_at=unix(doc.updated_at), deleted=deleted,
        deleted_at=unix(doc.deleted_at) if doc.deleted_at else None,
        download_path=None if deleted else document_path(doc.id),
        versions=[VersionOut(version=v.version, size=v.size, sha256=v.sha256,
                             content_type=v.content_type, uploaded_at=unix(v.uploaded_at),
                             download_path=document_path(doc.id, v.version))
                  for v in entry.versions] if not deleted else [])


class DocumentsIn(Input):
    rfp_id: Annotated[int, RFP_ID]


class DocumentIn(Input):
    document_id: Annotated[int, DOCUMENT_ID]


class DocumentVersionIn(Input):
    document_id: Annotated[int, DOCUMENT_ID]
    version: Annotated[int, id_parameter(
        "version", "template", "The version number (1 is the first upload).",
        required=True, expected="a version number from getDocuments", example=1)]


@function(
    api="subcontractor", name="getDocuments", path="/rfps/{rfpId}/documents", tag="Documents",
    summary="The RFP's tender documents (project and workpackage) with content hashes.",
    description=(
        "A manifest for delta downloads: compare sha256 with what you have and fetch only what "
        "changed. Deleted documents stay listed with deleted=true, so a sync sees them go."),
    input=DocumentsIn, response=DOCUMENTS, errors=["not_found"],
)
def get_documents(call: Call, args: DocumentsIn) -> list[DocumentOut]:
    entries = tender_documents(call.session, call.principal.company_id, args.rfp_id)
    return [document_out(e) for e in entries]


@function(
    api="subcontractor", name="getDocument", path="/documents/{documentId}", tag="Documents",
    summary="Download the current version of a document.", description=DOWNLOAD_DESCRIPTION,
    input=DocumentIn, errors=DOWNLOAD_ERRORS, produces="application/octet-stream",
)
def get_document(call: Call, args: DocumentIn) -> Response:
    version = version_to_download(call.session, call.principal.company_id, args.document_id)
    return download(call.runtime.storage, version, call.headers)


@function(
    api="subcontractor", name="getDocumentVersion",
    path="/documents/{documentId}/versions/{version}", tag="Documents",
    summary="Download one version of a document, superseded ones included.",
    description=DOWNLOAD_DESCRIPTION,
    input=DocumentVersionIn,
    errors=DOWNLOAD_ERRORS, produces="application/octet-stream",
)
def get_document_version(call: Call, args: DocumentVersionIn) -> Response:
    version = version_to_download(call.session, call.principal.company_id, args.document_id,
                                  args.version)
    return download(call.runtime.storage, version, call.headers)
