"""All of an RFP's current tender documents in one zip, with a SHA256SUMS file to check them."""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from typing import IO

from sqlalchemy.orm import Session

from bidbridge.services.rfp_documents import tender_documents
from bidbridge.storage import Storage

SPOOL_IN_MEMORY = 8 * 1024 * 1024  # larger bundles spill to a temporary file


def bundle_tender_documents(session: Session, storage: Storage, company_id: int, rfp_id: int
                            ) -> IO[bytes]:
    """A zip (stored, not recompressed: PDFs and drawings are compressed already) of the current
    version of every document that is not deleted, positioned at its start."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 (returned)
    sums: list[str] = []
    used: set[str] = set()
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_STORED) as bundle:
        for entry in tender_documents(session, company_id, rfp_id):
            if entry.document.deleted_at is not None:
                continue
            current = entry.current
            name = _unique(current.name.replace("/", "_") or f"document-{entry.document.id}", used)
            with storage.open(current.storage_key) as source, bundle.open(name, "w") as target:
                shutil.copyfileobj(source, target, 1 << 20)
            sums.append(f"{current.sha256}  {name}")
        bundle.writestr("SHA256SUMS", "\n".join(sums) + ("\n" if sums else ""))
    spool.seek(0)
    return spool


def _unique(name: str, used: set[str]) -> str:
    candidate, n = name, 1
    stem, dot, suffix = name.rpartition(".")
    while candidate in used:
        n += 1
        candidate = f"{stem} ({n}).{suffix}" if dot else f"{name} ({n})"
    used.add(candidate)
    return candidate
