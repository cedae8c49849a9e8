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


@pytest.fixture
def outage_prone(runtime, s3):  # type: ignore[no-untyped-def]
    """The runtime on an S3 bucket with short timeouts and no retries, so an outage shows fast."""
    from tests.conftest import make_s3_storage

    storage = make_s3_storage(s3, timeout_seconds=0.5, max_attempts=1)
    return dataclasses.replace(runtime, storage=storage, extras={})


def test_an_s3_outage_answers_503_and_loses_nothing(runtime, factory, s3, outage_prone) -> None:
    setup = factory.company()
    t = tender(factory, [setup], lines=0, document_count=0)
    rfp_id = t.rfp_for(setup).id
    first, second = pdf_bytes("first") + os.urandom(1000), pdf_bytes("second") + os.urandom(1000)
    with TestClient(create_app(outage_prone.settings, runtime=outage_prone)) as c:
        token = get_token(c, setup)
        sent = c.post(f"{SUB}/rfps/{rfp_id}/messages", headers=auth(token),
                      data={"text": "before the outage"},
                      files=[("attachments", ("first.pdf", first, "application/pdf"))])
        assert sent.status_code == 201, sent.text
        stored = sent.json()["attachments"][0]
        docs_before = _count(runtime, Document)
        versions_before = _count(runtime, DocumentVersion)
        s3.pause()
        try:
            refused = c.post(f"{SUB}/rfps/{rfp_id}/proposals", headers=auth(token),
                             data={"message": "during the outage", "totalAmount": "100.00"},
                             files=[("attachments", ("second.pdf", second, "application/pdf"))])
            download = c.get(stored["downloadPath"], headers=auth(token))
        finally:
            s3.resume()
        assert refused.status_code == 503, refused.text
        assert refused.headers["Retry-After"] == "5"
        assert refused.json()["code"] == "storage_unavailable"
        assert "nothing was saved" in refused.json()["detail"]
        assert download.status_code == 503 and download.headers["Retry-After"] == "5"
        assert _count(runtime, Proposal, Proposal.rfp_id == rfp_id) == 0
        assert _count(runtime, Document) == docs_before
        assert _count(runtime, DocumentVersion) == versions_before
        # The store is back: what was stored before is all there, and the refused call goes
        # through when retried.
        again = c.get(stored["downloadPath"], headers=auth(token))
        assert again.status_code == 200 and again.content == first
        retried = c.post(f"{SUB}/rfps/{rfp_id}/proposals", headers=auth(token),
                         data={"message": "after the outage", "totalAmount": "100.00"},
                         files=[("attachments", ("second.pdf", second, "application/pdf"))])
        assert retried.status_code == 201, retried.text
        assert outage_prone.storage.open(retried.json()["attachments"][0]["sha256"]).read() == second
