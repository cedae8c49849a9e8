"""A full disk while saving an attachment (document storage on a tiny tmpfs): a clear 507, no
proposal, document or version row left behind, no stray file; the same call works once there
is room again."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from bidbridge.app import create_app
from bidbridge.models import AuditEvent, Document, DocumentVersion, Proposal
from bidbridge.storage.local import LocalStorage
from tests.factories import auth, get_token
from tests.tendering_factory import pdf_bytes, tender

SUB = "/rest/subcontractor/v1"


@pytest.fixture
def tiny_disk() -> Iterator[Path]:
    """A 256 KiB tmpfs: writes beyond it fail with ENOSPC, as on a full disk."""
    root = Path(tempfile.mkdtemp(prefix="bidbridge-full-"))
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(root)], check=True)
    try:
        yield root
    finally:
        subprocess.run(["umount", str(root)], check=False)
        root.rmdir()


def _count(runtime, model, *where) -> int:  # type: ignore[no-untyped-def]
    with runtime.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_full_disk_answers_507_and_leaves_nothing(runtime, factory, tiny_disk: Path) -> None:
    full = dataclasses.replace(runtime, storage=LocalStorage(tiny_disk / "files"), extras={})
    setup = factory.company()
    t = tender(factory, [setup], lines=0, document_count=0)
    rfp_id = t.rfp_for(setup).id
    big = pdf_bytes("big") + os.urandom(600 * 1024)
    with TestClient(create_app(full.settings, runtime=full)) as c:
        token = get_token(c, setup)
        docs_before = _count(runtime, Document)
        versions_before = _count(runtime, DocumentVersion)
        refused = c.post(f"{SUB}/rfps/{rfp_id}/proposals", headers=auth(token),
                         data={"message": "with a big file", "totalAmount": "100.00"},
                         files=[("attachments", ("big.pdf", big, "application/pdf"))])
        assert refused.status_code == 507, refused.text
        body = refused.json()
        assert body["code"] == "storage_unavailable"
        assert "nothing was saved" in body["detail"] and "Retry" in body["detail"]
        assert _count(runtime, Proposal, Proposal.rfp_id == rfp_id) == 0
        assert _count(runtime, Document) == docs_before
        assert _count(runtime, DocumentVersion) == versions_before
        assert _count(runtime, AuditEvent, AuditEvent.company_id == setup.company.id,
                      AuditEvent.event == "proposal.submitted") == 0
        leftovers = [p for p in (tiny_disk / "files").rglob("*") if p.is_file()]
        assert leftovers == []  # the partial temporary file was removed
        # Room again (a small file fits): the same call goes through.
        ok = c.post(f"{SUB}/rfps/{rfp_id}/proposals", headers=auth(token),
                    data={"message": "with a small file", "totalAmount": "100.00"},
                    files=[("attachments", ("small.pdf", pdf_bytes("small"), "application/pdf"))])
        assert ok.status_code == 201, ok.text
        assert _count(runtime, Proposal, Proposal.rfp_id == rfp_id) == 1
