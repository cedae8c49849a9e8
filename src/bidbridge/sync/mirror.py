"""The mirror: RFPs changed since the last run (getRfps updatedSince), each with its details,
document manifest, messages, and the documents whose SHA-256 we do not have yet.

Layout of the output folder:
    rfps/<rfpId>/rfp.json, documents.json, messages.json
    documents/<documentId>/<name>            current version of each document and attachment
    .partial/<documentId>-<sha256>.part      downloads in progress (resumed with Range)
    .bidbridge-sync.json                     the state
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from bidbridge.client import Client
from bidbridge.sync.state import DocumentState, SyncState, write_atomic

PAGE_SIZE = 100


class Progress(Protocol):
    def start(self, name: str, total: int | None) -> object: ...

    def advance(self, task: object, done: int, total: int | None) -> None: ...

    def finish(self, task: object) -> None: ...


class NoProgress:
    def start(self, name: str, total: int | None) -> object:
        return None

    def advance(self, task: object, done: int, total: int | None) -> None:
        return None

    def finish(self, task: object) -> None:
        return None


@dataclass
class SyncReport:
    rfps: int = 0
    rfps_skipped: int = 0
    downloaded: list[str] = field(default_factory=list)
    bytes: int = 0
    removed: int = 0


def safe_name(name: str) -> str:
    """A file name that stays inside its folder on every platform."""
    cleaned = re.sub(r"[^A-Za-z0-9._ -]", "_", name).strip(" .") or "document"
    return cleaned[:150]


def _dump(value: Any) -> bytes:
    return json.dumps(value, indent=1, ensure_ascii=False, sort_keys=True).encode()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Mirror:
    def __init__(self, client: Client, out: Path, *, progress: Progress | None = None,
                 max_rate: float | None = None,
                 after_rfp: Callable[[int], None] | None = None) -> None:
        self.client = client
        self.out = out
        self.progress = progress or NoProgress()
        self.max_rate = max_rate
        self.after_rfp = after_rfp  # a hook for tests and embedding programs
        self.report = SyncReport()

    def run(self) -> SyncReport:
        self.out.mkdir(parents=True, exist_ok=True)
        state = SyncState.load(self.out, self.client.base_url, self.client.login)
        while True:
            page = self.client.get_rfps(updated_since=state.updated_since, cursor=state.cursor,
                                        limit=PAGE_SIZE)
            for item in page.rfps:
                self._rfp(state, item.rfp_id, item.updated_at)
                state.run_max_updated_at = max(state.run_max_updated_at or 0, item.updated_at)
                state.save(self.out)
                if self.after_rfp is not None:
                    self.after_rfp(item.rfp_id)
            if page.next_cursor is None:
                break
            state.cursor = page.next_cursor
            state.save(self.out)
        # updatedSince is inclusive: RFPs at exactly this second come again and are skipped.
        if state.run_max_updated_at is not None:
            state.updated_since = state.run_max_updated_at
        state.cursor = None
        state.run_max_updated_at = None
        state.save(self.out)
        return self.report

    def _rfp(self, state: SyncState, rfp_id: int, updated_at: int) -> None:
        folder = self.out / "rfps" / str(rfp_id)
        complete = all((folder / n).exists() for n in ("rfp.json", "documents.json",
                                                       "messages.json"))
        if state.rfps.get(str(rfp_id)) == updated_at and complete:
            self.report.rfps_skipped += 1
            return
        rfp = self.client.get_rfp(rfp_id)
        manifest = self.client.get_documents(rfp_id)
        thread = self.client.get_messages(rfp_id)
        for doc in manifest:
            if doc.deleted:
                self._remove(state, str(doc.document_id))
            else:
                self._document(state, doc.document_id, doc.name, doc.sha256, doc.size)
        for message in thread.messages:
            for attachment in message.attachments:
                self._document(state, attachment.document_id, attachment.name,
                               attachment.sha256, attachment.size)
        write_atomic(folder / "rfp.json", _dump(rfp.model_dump(mode="json", by_alias=True)))
        write_atomic(folder / "documents.json",
                     _dump([d.model_dump(mode="json", by_alias=True) for d in manifest]))
        write_atomic(folder / "messages.json", _dump(thread.model_dump(mode="json", by_alias=True)))
        state.rfps[str(rfp_id)] = updated_at
        self.report.rfps += 1

    def _document(self, state: SyncState, document_id: int, name: str, sha256: str,
                  size: int) -> None:
        key = str(document_id)
        known = state.documents.get(key)
        if known is not None and known.sha256 == sha256:
            path = self.out / known.path
            if path.exists() and path.stat().st_size == size:
                return
        relative = Path("documents") / key / safe_name(name)
        part = self.out / ".partial" / f"{document_id}-{sha256}.part"
        task = self.progress.start(name, size)
        try:
            done = self.client.download(
                "getDocument", f"/documents/{document_id}", self.out / relative,
                expected_sha256=sha256, part=part, max_rate=self.max_rate,
                progress=lambda got, total: self.progress.advance(task, got, total))
        finally:
            self.progress.finish(task)
        if known is not None and known.path != relative.as_posix():
            (self.out / known.path).unlink(missing_ok=True)  # renamed upstream
        state.documents[key] = DocumentState(sha256=done.sha256, path=relative.as_posix())
        state.save(self.out)
        self.report.downloaded.append(key)
        self.report.bytes += done.size

    def _remove(self, state: SyncState, key: str) -> None:
        known = state.documents.pop(key, None)
        if known is not None:
            (self.out / known.path).unlink(missing_ok=True)
            self.report.removed += 1
            state.save(self.out)


def verify(out: Path) -> list[str]:
    """Problems with a mirror: files missing or not matching their recorded SHA-256."""
    raw = json.loads((out / ".bidbridge-sync.json").read_text())
    problems = []
    for key, doc in raw["documents"].items():
        path = out / doc["path"]
        if not path.exists():
            problems.append(f"document {key}: {doc['path']} is missing")
        elif _sha256(path) != doc["sha256"]:
            problems.append(f"document {key}: {doc['path']} does not match its SHA-256")
    return problems
