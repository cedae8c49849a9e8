"""`bidbridge sync` against a live server: token expiry mid-run, interruption mid-download, re-runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from bidbridge.client import Client
from bidbridge.sync.mirror import Mirror, verify
from tests.live_server import BIN, LiveServer, demo, live_server

pytestmark = pytest.mark.live
BIG = 6 * 1024 * 1024


def _expected_documents(client: Client) -> dict[int, str]:
    """documentId -> sha256 of every live document and attachment of every RFP."""
    out: dict[int, str] = {}
    cursor = None
    while True:
        page = client.get_rfps(cursor=cursor, limit=200)
        for rfp in page.rfps:
            for doc in client.get_documents(rfp.rfp_id):
                if not doc.deleted:
                    out[doc.document_id] = doc.sha256
            for message in client.get_messages(rfp.rfp_id).messages:
                for attachment in message.attachments:
                    out[attachment.document_id] = attachment.sha256
        if page.next_cursor is None:
            return out
        cursor = page.next_cursor


def _downloads(server: LiveServer) -> dict[int, list[int]]:
    """documentId -> statuses of its getDocument calls, from the server's request log."""
    seen: dict[int, list[int]] = {}
    for row in server.requests_of("getDocument"):
        params = row["template_params"]
        if isinstance(params, str):
            params = json.loads(params)
        seen.setdefault(int(params["documentId"]), []).append(row["status"])
    return seen


def _mirrored(out: Path) -> dict[int, str]:
    state = json.loads((out / ".bidbridge-sync.json").read_text())
    return {int(k): v["sha256"] for k, v in state["documents"].items()}


def test_token_expiring_mid_sync_is_renewed_transparently(backend, tmp_path):
    with live_server(backend, tmp_path / "server") as server:
        summary = demo(server)
        out = tmp_path / "mirror"
        client = Client(server.url, summary["api_user"], summary["api_key"])
        moved: list[int] = []

        def expire_token_after_first_rfp(rfp_id: int) -> None:
            if not moved:
                server.set_clock_offset(3600)  # the server's hour is over; the client cannot know
                moved.append(rfp_id)

        report = Mirror(client, out, after_rfp=expire_token_after_first_rfp).run()
        assert moved and report.rfps >= 2
        assert client.token_renewals == 2
        refused = [r for r in server.requests_of("getRfp") + server.requests_of("getDocuments")
                   + server.requests_of("getMessages") + server.requests_of("getRfps")
                   if r["error_code"] == "token_expired"]
        assert len(refused) == 1
        assert verify(out) == []
        assert _mirrored(out) == _expected_documents(client)
        rfp_files = sorted(p.parent.name for p in (out / "rfps").glob("*/rfp.json"))
        assert len(rfp_files) == report.rfps

        # Nothing changed: a re-run fetches no RFP and downloads nothing.
        before = sum(len(v) for v in _downloads(server).values())
        again = Mirror(client, out).run()
        assert (again.rfps, again.downloaded) == (0, [])
        assert sum(len(v) for v in _downloads(server).values()) == before


def _add_big_document(server: LiveServer, tmp_path: Path) -> tuple[int, bytes]:
    """A large document on the project of the demo subcontractor's first RFP (contractor API)."""
    creds = json.loads(subprocess.run(
        [str(BIN / "python"), "-m", "bidbridge.api.docs.demo_access", "contractor"],
        env=server.env, capture_output=True, text=True, check=True, timeout=120).stdout)
    contractor = Client(server.url, creds["login"], creds["apiKey"], api="contractor")
    project_id = contractor.get_projects().projects[0].id
    content = os.urandom(BIG)
    body = contractor.call("addDocument", f"/projects/{project_id}/documents", "POST",
                           {"file": _file("big-drawings.pdf", content)}, idempotent=True)
    return int(body["id"]), content


def _file(name: str, content: bytes):  # type: ignore[no-untyped-def]
    from bidbridge.client.core import FileArg

    return FileArg((name, content, "application/pdf"))


def _sync(server: LiveServer, out: Path, summary: dict, *extra: str) -> subprocess.Popen[str]:
    env = {**server.env, "BIDBRIDGE_SYNC_BASE_URL": server.url,
           "BIDBRIDGE_SYNC_LOGIN": summary["api_user"], "BIDBRIDGE_SYNC_API_KEY": summary["api_key"]}
    return subprocess.Popen([str(BIN / "bidbridge"), "sync", "--out", str(out), "--no-progress",
                             *extra], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def test_sync_killed_mid_download_resumes_without_downloading_anything_twice(backend, tmp_path):
    with live_server(backend, tmp_path / "server") as server:
        summary = demo(server)
        big_id, content = _add_big_document(server, tmp_path)
        out = tmp_path / "mirror"
        # Capped at 1 MB/s so the 6 MB document is still streaming when we pull the plug.
        first = _sync(server, out, summary, "--max-rate", "1000000")
        part = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and first.poll() is None:
            parts = list((out / ".partial").glob(f"{big_id}-*.part")) if out.exists() else []
            if parts and parts[0].stat().st_size > 1024 * 1024:
                part = parts[0]
                break
            time.sleep(0.05)
        assert part is not None, f"the big download never started: {first.communicate()[0]}"
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        assert first.returncode == -signal.SIGKILL
        assert 0 < part.stat().st_size < BIG
        assert str(big_id) not in json.loads((out / ".bidbridge-sync.json").read_text())[
            "documents"]

        second = _sync(server, out, summary)
        output = second.communicate(timeout=300)[0]
        assert second.returncode == 0, output

        client = Client(server.url, summary["api_user"], summary["api_key"])
        expected = _expected_documents(client)
        assert _mirrored(out) == expected and big_id in expected
        assert verify(out) == []
        big_path = out / json.loads((out / ".bidbridge-sync.json").read_text())["documents"][
            str(big_id)]["path"]
        assert big_path.read_bytes() == content
        assert not list((out / ".partial").glob("*.part"))
        downloads = _downloads(server)
        # The broken download was resumed with a range request (206), not started over.
        assert downloads[big_id] == [200, 206]
        assert all(statuses == [200] for doc, statuses in downloads.items() if doc != big_id)
        assert set(downloads) == set(expected)

        third = _sync(server, out, summary)
        assert third.communicate(timeout=300)[0] and third.returncode == 0
        assert _downloads(server) == downloads
        counts = Counter(p.name for p in (out / "documents").rglob("*") if p.is_file())
        assert sum(counts.values()) == len(expected)
