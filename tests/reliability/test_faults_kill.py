"""SIGKILL a uvicorn worker in the middle of a submitProposal upload, and just after it: never a
half-written proposal (rows, attachment and event commit together or not at all), and a retry
with the same Idempotency-Key then succeeds with exactly one proposal."""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from bidbridge.models import AuditEvent, Document, DocumentVersion, Proposal
from tests.factories import auth
from tests.live import serve_subprocess
from tests.tendering_factory import pdf_bytes, tender

SUB = "/rest/subcontractor/v1"
CHUNK = 64 * 1024


def _multipart(boundary: str, fields: dict[str, str], filename: str, data: bytes) -> bytes:
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; '
                 f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
                 + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts)


def _state(runtime, rfp_id: int, company_id: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with runtime.sessions() as s:
        proposals = list(s.scalars(select(Proposal).where(Proposal.rfp_id == rfp_id)))
        ids = [p.id for p in proposals]
        docs = list(s.scalars(select(Document).where(Document.proposal_id.in_(ids)))) if ids else []
        versions = int(s.scalar(select(func.count()).select_from(DocumentVersion).where(
            DocumentVersion.document_id.in_([d.id for d in docs]))) or 0) if docs else 0
        orphans = int(s.scalar(select(func.count()).select_from(Document).where(
            Document.company_id == company_id, Document.proposal_id.is_(None),
            Document.message_id.is_(None), Document.project_id.is_(None),
            Document.workpackage_id.is_(None))) or 0)
        events = int(s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.company_id == company_id, AuditEvent.event == "proposal.submitted")) or 0)
    return {"proposals": len(proposals), "documents": len(docs), "versions": versions,
            "orphans": orphans, "events": events}


@pytest.fixture
def server_env(settings) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"BIDBRIDGE_ENV": "test", "BIDBRIDGE_DATABASE_URL": settings.database_url,
            "BIDBRIDGE_DATA_DIR": str(settings.data_dir), "BIDBRIDGE_PEPPER": settings.pepper,
            "BIDBRIDGE_SECRET_KEY": settings.secret_key, "BIDBRIDGE_REDIS_URL": ""}


# When to kill: after this share of the body went out (None: after all of it, plus a delay).
KILLS = [("mid-upload", 0.5, 0.0), ("end-of-upload", None, 0.0), ("just-after", None, 0.05)]


def test_sigkill_during_submit_then_retry(runtime, factory, server_env, tmp_path: Path) -> None:
    setup = factory.company()
    t = tender(factory, [setup], lines=0, document_count=0)
    rfp_id, company_id = t.rfp_for(setup).id, setup.company.id
    key = f"kill-{uuid.uuid4().hex}"
    attachment = pdf_bytes("quote") + os.urandom(2 * 1024 * 1024)
    boundary = uuid.uuid4().hex
    body = _multipart(boundary, {"message": "killed mid-flight", "totalAmount": "4200.00"},
                      "quote.pdf", attachment)
    headers = {"Idempotency-Key": key, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    outcomes: list[tuple[str, dict[str, int]]] = []

    for name, share, delay in KILLS:
        with serve_subprocess(server_env, tmp_path / f"{name}.log") as (base, proc):
            token = httpx.post(base + f"{SUB}/tokens", data={"login": setup.login,
                                                             "apiKey": setup.api_key}).json()["token"]
            killed = threading.Event()

            def kill(after: float, proc=proc, killed=killed) -> None:  # type: ignore[no-untyped-def]
                time.sleep(after)
                os.kill(proc.pid, signal.SIGKILL)
                killed.set()

            def stream(share=share, delay=delay, killed=killed,
                       kill=kill) -> Iterator[bytes]:  # type: ignore[no-untyped-def]
                cut = int(len(body) * share) if share is not None else None
                for start in range(0, len(body), CHUNK):
                    if cut is not None and start >= cut and not killed.is_set():
                        kill(0)
                        time.sleep(0.2)  # give the dead socket time to refuse the rest
                    yield body[start:start + CHUNK]
                if share is None:
                    threading.Thread(target=kill, args=(delay,)).start()

            # Usually the connection dies; after a late kill the answer may have come first.
            with suppress(httpx.TransportError):
                httpx.post(base + f"{SUB}/rfps/{rfp_id}/proposals", timeout=30,
                           content=stream(), headers={**headers, **auth(token)})
            assert killed.wait(10)
            proc.wait(timeout=10)
            assert proc.returncode == -signal.SIGKILL
        state = _state(runtime, rfp_id, company_id)
        outcomes.append((name, state))
        # All or nothing: either no trace of the call, or the proposal with its attachment,
        # its version and its event.
        assert state in ({"proposals": 0, "documents": 0, "versions": 0, "orphans": 0, "events": 0},
                         {"proposals": 1, "documents": 1, "versions": 1, "orphans": 0,
                          "events": 1}), outcomes

    with serve_subprocess(server_env, tmp_path / "retry.log") as (base, _proc):
        token = httpx.post(base + f"{SUB}/tokens", data={"login": setup.login,
                                                         "apiKey": setup.api_key}).json()["token"]
        retry = httpx.post(base + f"{SUB}/rfps/{rfp_id}/proposals", content=body, timeout=60,
                           headers={**headers, **auth(token)})
    assert retry.status_code in (200, 201), retry.text
    assert retry.json()["attachments"][0]["size"] == len(attachment)
    final = _state(runtime, rfp_id, company_id)
    assert final == {"proposals": 1, "documents": 1, "versions": 1, "orphans": 0, "events": 1}
    stored = runtime.storage.open(retry.json()["attachments"][0]["sha256"]).read()
    assert stored == attachment
    print(f"faults: {len(KILLS)} SIGKILLs ({[n for n, _ in outcomes]}), outcomes "
          f"{[s['proposals'] for _, s in outcomes]}, retry {retry.status_code}, 0 half-written")
