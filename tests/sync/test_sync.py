"""`bidbridge sync` against a live server: token expiry mid-run, interruption mid-download, re-runs."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import time
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


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _folder_of(out: Path, rfp_id: int) -> Path:
    found = [p for p in (out / "rfps").iterdir() if p.name.split(" ", 1)[0] == str(rfp_id)]
    assert len(found) == 1, found
    return found[0]


def _assert_laid_out_for_a_person(out: Path, client: Client) -> None:
    """Each RFP's folder holds its own documents by name, its attachments, budget lines and
    proposal receipts, matching what the API says now."""
    readme = (out / "README.txt").read_text()
    assert "not meant to be committed" in readme
    assert not (out / "documents").exists()
    cursor = None
    while True:
        page = client.get_rfps(cursor=cursor, limit=200)
        for rfp in page.rfps:
            folder = _folder_of(out, rfp.rfp_id)
            assert folder.name == f"{rfp.rfp_id} {rfp.project_name} - {rfp.workpackage_name}"
            assert json.loads((folder / "rfp.json").read_text())["rfpId"] == rfp.rfp_id
            live = [d for d in client.get_documents(rfp.rfp_id) if not d.deleted]
            on_disk = {p.name: _sha(p) for p in (folder / "documents").iterdir()} if live else {}
            assert on_disk == {d.name: d.sha256 for d in live}
            for message in client.get_messages(rfp.rfp_id).messages:
                for attachment in message.attachments:
                    assert _sha(folder / "attachments" / attachment.name) == attachment.sha256
            sheet = client.get_budget_lines(rfp.rfp_id).model_dump(mode="json", by_alias=True)
            assert json.loads((folder / "budget-lines.json").read_text()) == sheet
            rows = list(csv.reader((folder / "budget-lines.csv").read_text("utf-8-sig")
                                   .splitlines()))
            assert rows[0][:3] == ["kind", "code", "description"]
            assert [r[2] for r in rows if r[0] == "line"] == [
                line["description"] for line in sheet["lines"]]
            assert rows[-1][6] == sheet["totals"]["includedTotal"]
            proposals = client.get_proposals(rfp.rfp_id)
            for proposal in proposals:
                receipt = json.loads((folder / "proposals" /
                                      f"v{proposal.version}-receipt.json").read_text())
                assert receipt["contentSha256"] == proposal.content_sha256
                assert receipt["totalAmount"] == proposal.total_amount
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def _submit_a_proposal(client: Client) -> int:
    """Price the first line of an open RFP of the demo and submit: a receipt to mirror."""
    rfp = next(r for r in client.get_rfps().rfps if not r.forwarded and r.deadline
               and r.deadline > time.time())
    line = client.get_budget_lines(rfp.rfp_id).lines[0]
    client.price_budget_lines(rfp.rfp_id, [{"budgetLineId": line.budget_line_id,
                                            "unitPrice": "12.50", "included": True}])
    # The demo's "Sanitair" has an addendum: acknowledged first, as submitProposal wants.
    for addendum in client.get_addenda(rfp.rfp_id).addenda:
        if not addendum.acknowledged:
            client.acknowledge_addendum(rfp.rfp_id, addendum.number)
    client.submit_proposal(rfp.rfp_id, message="Our price, valid for 60 days.")
    return rfp.rfp_id


def _contractor(server: LiveServer) -> Client:
    creds = json.loads(subprocess.run(
        [str(BIN / "python"), "-m", "bidbridge.api.docs.demo_access", "contractor"],
        env=server.env, capture_output=True, text=True, check=True, timeout=120).stdout)
    return Client(server.url, creds["login"], creds["apiKey"], api="contractor")


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

        priced = _submit_a_proposal(client)
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
        _assert_laid_out_for_a_person(out, client)
        assert (_folder_of(out, priced) / "proposals" / "v1-receipt.json").exists()

        # Nothing changed: a re-run fetches no RFP and downloads nothing.
        before = sum(len(v) for v in _downloads(server).values())
        again = Mirror(client, out).run()
        assert (again.rfps, again.downloaded) == (0, [])
        assert sum(len(v) for v in _downloads(server).values()) == before


def test_shared_documents_are_linked_renames_move_folders_new_versions_reach_every_copy(
        backend, tmp_path):
    with live_server(backend, tmp_path / "server") as server:
        summary = demo(server)
        client = Client(server.url, summary["api_user"], summary["api_key"])
        out = tmp_path / "mirror"
        Mirror(client, out).run()
        # A project document reaches every RFP of that project: one download, one file on disk.
        rfps = client.get_rfps().rfps
        by_doc: dict[int, list[int]] = {}
        for rfp in rfps:
            for doc in client.get_documents(rfp.rfp_id):
                by_doc.setdefault(doc.document_id, []).append(rfp.rfp_id)
        shared_id, holders = next((d, r) for d, r in by_doc.items() if len(r) > 1)
        name = next(d.name for d in client.get_documents(holders[0])
                    if d.document_id == shared_id)
        copies = [_folder_of(out, r) / "documents" / name for r in holders]
        assert len({c.stat().st_ino for c in copies}) == 1  # hard links of one download
        assert _downloads(server)[shared_id] == [200]

        # The contractor renames the project and uploads a new version of the shared document.
        contractor = _contractor(server)
        project_id = next(r.project_id for r in rfps if r.rfp_id == holders[0])
        contractor.update_project(project_id, name="Renamed Project")
        content = b"%PDF-1.4 a new version of the shared drawing\n"
        contractor.add_document(project_id, (name, content, "application/pdf"),
                                replaces_document_id=shared_id)
        report = Mirror(client, out).run()
        assert report.downloaded == [str(shared_id)]
        for rfp_id in holders:
            folder = _folder_of(out, rfp_id)
            assert folder.name.startswith(f"{rfp_id} Renamed Project - ")
            assert (folder / "documents" / name).read_bytes() == content
        assert _downloads(server)[shared_id] == [200, 200]
        assert verify(out) == []
        _assert_laid_out_for_a_person(out, client)
        assert not [p for p in (out / "rfps").iterdir()
                    if p.name.split(" ", 1)[0] not in {str(r.rfp_id) for r in rfps}]


def test_a_folder_of_the_first_layout_is_laid_out_anew_without_downloading_again(
        backend, tmp_path):
    with live_server(backend, tmp_path / "server") as server:
        summary = demo(server)
        client = Client(server.url, summary["api_user"], summary["api_key"])
        out = tmp_path / "mirror"
        Mirror(client, out).run()
        # Turn it into what the first version wrote: documents/<id>/<name>, rfp -> updatedAt.
        state = json.loads((out / ".bidbridge-sync.json").read_text())
        documents = {}
        for key, doc in state["documents"].items():
            legacy = Path("documents") / key / Path(doc["paths"][0]).name
            (out / legacy).parent.mkdir(parents=True, exist_ok=True)
            (out / doc["paths"][0]).rename(out / legacy)
            documents[key] = {"sha256": doc["sha256"], "path": legacy.as_posix()}
        shutil.rmtree(out / "rfps")
        (out / ".bidbridge-sync.json").write_text(json.dumps({
            "version": 1, "base_url": state["base_url"], "login": state["login"],
            "updated_since": state["updated_since"], "cursor": None, "run_max_updated_at": None,
            "rfps": {k: v["updated_at"] for k, v in state["rfps"].items()},
            "documents": documents}))
        downloads = _downloads(server)

        report = Mirror(client, out).run()
        assert report.downloaded == [] and _downloads(server) == downloads
        assert report.rfps == len(state["rfps"])
        assert verify(out) == []
        _assert_laid_out_for_a_person(out, client)


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
        big_paths = json.loads((out / ".bidbridge-sync.json").read_text())["documents"][
            str(big_id)]["paths"]
        # A project document: in the folder of every RFP of that project, under its own name.
        assert big_paths and all(p.endswith("/documents/big-drawings.pdf") for p in big_paths)
        assert all((out / p).read_bytes() == content for p in big_paths)
        assert not list((out / ".partial").glob("*.part"))
        downloads = _downloads(server)
        # The broken download was resumed with a range request (206), not started over.
        assert downloads[big_id] == [200, 206]
        assert all(statuses == [200] for doc, statuses in downloads.items() if doc != big_id)
        assert set(downloads) == set(expected)

        third = _sync(server, out, summary)
        said = third.communicate(timeout=300)[0]
        assert third.returncode == 0
        assert _downloads(server) == downloads
        # Without a terminal the summary is still one whole line.
        assert re.fullmatch(r"synced 0 changed RFP\(s\) \(\d+ unchanged\), downloaded 0 "
                            r"document\(s\), 0 bytes, removed 0, into " + re.escape(str(out)),
                            said.splitlines()[-1]), said
        # Every document is on disk once per RFP that lists it, and nowhere else.
        state = json.loads((out / ".bidbridge-sync.json").read_text())
        placed = sorted(p for rfp in state["rfps"].values() for p in rfp["files"].values())
        on_disk = sorted(p.relative_to(out).as_posix() for p in (out / "rfps").rglob("*")
                         if p.is_file() and p.parent.name in ("documents", "attachments"))
        assert on_disk == placed
        assert sorted(p for doc in state["documents"].values() for p in doc["paths"]) == placed
        _assert_laid_out_for_a_person(out, client)
