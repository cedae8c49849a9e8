"""Storing uploaded documents: bytes through the storage interface, metadata in the transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy.orm import Session

from bidbridge.errors import AppError
from bidbridge.models import Document, DocumentVersion
from bidbridge.services.audit import record_event
from bidbridge.services.context import RequestContext
from bidbridge.storage import Storage, StorageError, StorageUnavailable, TooLarge

# What a subcontractor may attach to a proposal or message; contractors' tender documents may be
# anything (drawings come in many formats).
ATTACHMENT_TYPES = {
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
}
MAX_NAME = 255  # the documents' name columns
_BY_SUFFIX = {suffix: media for media, suffix in ATTACHMENT_TYPES.items()} | {".jpeg": "image/jpeg"}


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    stream: BinaryIO


def attachment_type(upload: Upload, parameter: str) -> str:
    """The media type of an allowed attachment, judged by its name; else a 422 naming it."""
    if len(upload.filename) > MAX_NAME:
        raise AppError(f"'{parameter}': a file name has {len(upload.filename)} characters; at most "
                       f"{MAX_NAME} are stored. Rename the file and send it again.",
                       code="invalid_parameters", status=422,
                       data={"errors": [{"parameter": parameter, "in": "query",
                                         "problem": "too_long", "message": "file name too long",
                                         "expected": f"a file name of at most {MAX_NAME} "
                                                     "characters"}]})
    name = upload.filename.lower()
    suffix = name[name.rfind("."):] if "." in name else ""
    media = _BY_SUFFIX.get(suffix)
    if media is None:
        allowed = ", ".join(sorted({s.lstrip(".").upper() for s in _BY_SUFFIX}))
        raise AppError(f"'{parameter}': {upload.filename!r} is not an accepted attachment. "
                       f"Accepted: {allowed}.", code="invalid_parameters", status=422,
                       data={"errors": [{"parameter": parameter, "in": "query",
                                         "problem": "invalid", "message": "file type not accepted",
                                         "expected": allowed}]})
    return media


OUTAGE_RETRY_SECONDS = 5


def storage_outage(detail: str) -> AppError:
    """503 storage_unavailable with Retry-After: the document store cannot be reached."""
    return AppError(detail, code="storage_unavailable", status=503,
                    headers={"Retry-After": str(OUTAGE_RETRY_SECONDS)},
                    data={"retryAfter": OUTAGE_RETRY_SECONDS})


def store(storage: Storage, upload: Upload, *, max_bytes: int, parameter: str) -> tuple[int, str, str]:
    """Write the bytes; (size, sha256, storage key). Raises 413, 503 (the store is unreachable)
    or 507 (it refused the bytes, e.g. a full disk) as problems; the caller's transaction then
    rolls back, so no row points at bytes that were not stored."""
    try:
        stored = storage.save(upload.stream, max_bytes=max_bytes)
    except TooLarge as exc:
        raise AppError(f"'{parameter}': {upload.filename!r} is larger than the limit of "
                       f"{max_bytes // (1024 * 1024)} MB.", code="file_too_large", status=413,
                       data={"parameter": parameter, "limit": max_bytes}) from exc
    except StorageUnavailable as exc:
        raise storage_outage(f"The document could not be stored ({exc}); nothing was saved. "
                             f"Retry after {OUTAGE_RETRY_SECONDS} seconds (Retry-After).") from exc
    except StorageError as exc:
        raise AppError(f"The document could not be stored ({exc}); nothing was saved. Retry "
                       "later.", code="storage_unavailable", status=507) from exc
    return stored.size, stored.sha256, stored.key


def add_document(
    session: Session,
    ctx: RequestContext,
    storage: Storage,
    upload: Upload,
    *,
    owner_company_id: int,
    max_bytes: int,
    parameter: str = "file",
    content_type: str | None = None,
    project_id: int | None = None,
    workpackage_id: int | None = None,
    proposal_id: int | None = None,
    message_id: int | None = None,
    replaces: Document | None = None,
) -> Document:
    """A new document, or a new version of ``replaces`` (older versions are kept)."""
    size, sha256, key = store(storage, upload, max_bytes=max_bytes, parameter=parameter)
    now = ctx.now()
    if replaces is None:
        doc = Document(company_id=owner_company_id, project_id=project_id,
                       workpackage_id=workpackage_id, proposal_id=proposal_id,
                       message_id=message_id, name=upload.filename, current_version=1,
                       created_at=now, updated_at=now)
        session.add(doc)
        session.flush()
    else:
        doc = replaces
        doc.current_version += 1
        doc.name = upload.filename
        doc.updated_at = now
    version = DocumentVersion(document_id=doc.id, version=doc.current_version, name=upload.filename,
                              content_type=content_type or upload.content_type or
                              "application/octet-stream", size=size, sha256=sha256,
                              storage_key=key, uploaded_at=now, uploaded_by_name=ctx.actor.name)
    session.add(version)
    session.flush()
    record_event(session, ctx, "document.added" if replaces is None else "document.versioned",
                 company_id=owner_company_id, target_type="document", target_id=doc.id,
                 target_label=doc.name, data={"version": doc.current_version, "sha256": sha256,
                                              "size": size})
    return doc


def current_version(session: Session, doc: Document) -> DocumentVersion:
    from sqlalchemy import select

    row = session.scalar(select(DocumentVersion).where(
        DocumentVersion.document_id == doc.id, DocumentVersion.version == doc.current_version))
    assert row is not None
    return row
