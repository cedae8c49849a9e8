"""The mirror: RFPs changed since the last run (getRfps updatedSince), each with its details,
documents, messages, budget lines and proposal receipts, laid out for a person to read
(see ``layout.README``); documents are downloaded only when their SHA-256 is new to us.

A document that several RFPs share (a project's drawings) is downloaded once and linked into
each RFP's folder.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from bidbridge.client import ApiError, Client
from bidbridge.sync.layout import README, README_NAME, Names, budget_sheet_csv, rfp_folder
from bidbridge.sync.state import (
    LEGACY_DOCUMENTS,
    STATE_FILE,
    DocumentState,
    RfpState,
    SyncState,
    link_atomic,
    write_atomic,
)

PAGE_SIZE = 100
RFP_FILES = ("rfp.json", "documents.json", "messages.json", "budget-lines.json",
             "budget-lines.csv", "proposals.json")


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


def _dump(value: Any) -> bytes:
    return json.dumps(value, indent=1, ensure_ascii=False, sort_keys=True).encode()


def _json(model: Any) -> Any:
    if isinstance(model, list):
        return [_json(m) for m in model]
    return model.model_dump(mode="json", by_alias=True)


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
        self._write_if_changed(self.out / README_NAME, README.encode())
        while True:
            page = self.client.get_rfps(updated_since=state.updated_since, cursor=state.cursor,
                                        limit=PAGE_SIZE)
            for item in page.rfps:
                folder = rfp_folder(item.rfp_id, item.project_name, item.workpackage_name)
                self._rfp(state, item.rfp_id, item.updated_at, folder)
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
        self._drop_legacy_folder(state)
        return self.report

    def follow(self, *, poll_seconds: float = 5.0, rounds: int | None = None,
               sleep: Callable[[float], None] = time.sleep) -> SyncReport:
        """Keep the folder current from the change feed (getEvents) instead of polling getRfps:
        each RFP an event concerns is mirrored again. The feed's cursor is taken before the
        first sync, so a change made during it comes as an event. A cursor past the feed's
        retention (410) means events are gone: a full sync, then the feed again. ``rounds``
        bounds the number of feed reads (for tests); None follows for ever."""
        state = SyncState.load(self.out, self.client.base_url, self.client.login) \
            if (self.out / STATE_FILE).exists() else None
        if state is None or state.event_cursor is None:
            start = self._end_of_feed()  # before the sync: what changes during it comes next
            self.run()
            state = SyncState.load(self.out, self.client.base_url, self.client.login)
            state.event_cursor = start
            state.save(self.out)
        done = 0
        while rounds is None or done < rounds:
            done += 1
            try:
                page = self.client.get_events(cursor=state.event_cursor, limit=PAGE_SIZE)
            except ApiError as exc:
                if exc.status != 410:
                    raise
                state.event_cursor = state.updated_since = None
                state.save(self.out)
                return self.follow(poll_seconds=poll_seconds, rounds=rounds, sleep=sleep)
            touched = (getattr(e, "rfp_id", None) for e in page.events)
            for rfp_id in dict.fromkeys(r for r in touched if r is not None):
                rfp = self.client.get_rfp(rfp_id)
                folder = rfp_folder(rfp.rfp_id, rfp.project.name, rfp.workpackage.name)
                self._rfp(state, rfp.rfp_id, rfp.updated_at, folder)
                state.save(self.out)
            state.event_cursor = page.next_cursor
            state.save(self.out)
            if not page.has_more and (rounds is None or done < rounds):
                sleep(poll_seconds)
        return self.report

    def _end_of_feed(self) -> str:
        cursor = None
        while True:
            page = self.client.get_events(cursor=cursor, limit=200)
            cursor = page.next_cursor
            if not page.has_more:
                return cursor

    def _rfp(self, state: SyncState, rfp_id: int, updated_at: int, folder: str) -> None:
        known = state.rfps.get(str(rfp_id))
        if known is not None and known.folder != folder:
            self._move_folder(state, known, folder)
        if known is not None and known.updated_at == updated_at and all(
                (self.out / folder / n).exists() for n in RFP_FILES):
            self.report.rfps_skipped += 1
            return
        rfp = self.client.get_rfp(rfp_id)
        manifest = self.client.get_documents(rfp_id)
        thread = self.client.get_messages(rfp_id)
        sheet = self.client.get_budget_lines(rfp_id)
        proposals = self.client.get_proposals(rfp_id)
        placed: dict[str, str] = {}
        names = Names()
        for doc in manifest:
            if not doc.deleted:
                name = names.claim(doc.name, doc.document_id)
                placed[str(doc.document_id)] = self._document(
                    state, doc.document_id, f"{folder}/documents/{name}", doc.sha256, doc.size)
        names = Names()
        for message in thread.messages:
            for attachment in message.attachments:
                name = names.claim(attachment.name, attachment.document_id)
                placed[str(attachment.document_id)] = self._document(
                    state, attachment.document_id, f"{folder}/attachments/{name}",
                    attachment.sha256, attachment.size)
        self._forget_unplaced(state, known.files if known else {}, placed)
        base = self.out / folder
        write_atomic(base / "rfp.json", _dump(_json(rfp)))
        write_atomic(base / "documents.json", _dump(_json(manifest)))
        write_atomic(base / "messages.json", _dump(_json(thread)))
        write_atomic(base / "budget-lines.json", _dump(_json(sheet)))
        write_atomic(base / "budget-lines.csv", budget_sheet_csv(_json(sheet)))
        write_atomic(base / "proposals.json", _dump(_json(proposals)))
        for proposal in proposals:
            receipt = {**_json(proposal.receipt), "state": proposal.state,
                       "superseded": proposal.superseded}
            write_atomic(base / "proposals" / f"v{proposal.version}-receipt.json", _dump(receipt))
        state.rfps[str(rfp_id)] = RfpState(updated_at=updated_at, folder=folder, files=placed)
        self.report.rfps += 1

    def _document(self, state: SyncState, document_id: int, target: str, sha256: str,
                  size: int) -> str:
        """Put the current version at ``target``: linked from a copy we have, else downloaded."""
        key = str(document_id)
        known = state.documents.get(key)
        if known is not None and known.sha256 == sha256:
            have = known.existing(self.out, size, prefer=target)
            if have is not None:
                if have != target:
                    link_atomic(self.out / have, self.out / target)
                    known.paths = [p for p in known.paths if p != target] + [target]
                    self._drop_legacy_paths(known)
                    state.save(self.out)
                return target
        part = self.out / ".partial" / f"{document_id}-{sha256}.part"
        task = self.progress.start(_label(target), size)
        try:
            done = self.client.download(
                "getDocument", f"/documents/{document_id}", self.out / target,
                expected_sha256=sha256, part=part, max_rate=self.max_rate,
                progress=lambda got, total: self.progress.advance(task, got, total))
        finally:
            self.progress.finish(task)
        # Other folders holding an older version get the new one too.
        others = [p for p in (known.paths if known else []) if p != target]
        kept = []
        for path in others:
            if (self.out / path).exists() and not path.startswith(LEGACY_DOCUMENTS):
                link_atomic(self.out / target, self.out / path)
                kept.append(path)
            else:
                (self.out / path).unlink(missing_ok=True)
        state.documents[key] = DocumentState(sha256=done.sha256, paths=[target, *kept])
        state.save(self.out)
        self.report.downloaded.append(key)
        self.report.bytes += done.size
        return target

    def _forget_unplaced(self, state: SyncState, before: dict[str, str],
                         placed: dict[str, str]) -> None:
        """Files this RFP no longer lists (deleted or renamed upstream) leave its folder."""
        for key, path in before.items():
            if placed.get(key) == path:
                continue
            (self.out / path).unlink(missing_ok=True)
            doc = state.documents.get(key)
            if doc is not None:
                doc.paths = [p for p in doc.paths if p != path]
                if not doc.paths:
                    del state.documents[key]
            if key not in placed:
                self.report.removed += 1

    def _move_folder(self, state: SyncState, known: RfpState, folder: str) -> None:
        """The project or workpackage was renamed: the folder follows, nothing is fetched."""
        old, new = self.out / known.folder, self.out / folder
        if old.exists() and not new.exists():
            new.parent.mkdir(parents=True, exist_ok=True)
            old.rename(new)
        prefix = known.folder + "/"
        moved = {p: folder + "/" + p[len(prefix):] for p in known.files.values()
                 if p.startswith(prefix)}
        known.files = {k: moved.get(p, p) for k, p in known.files.items()}
        for key in known.files:
            doc = state.documents.get(key)
            if doc is not None:
                doc.paths = [moved.get(p, p) for p in doc.paths]
        known.folder = folder
        state.save(self.out)

    def _drop_legacy_paths(self, doc: DocumentState) -> None:
        for path in [p for p in doc.paths if p.startswith(LEGACY_DOCUMENTS)]:
            (self.out / path).unlink(missing_ok=True)
            doc.paths.remove(path)

    def _drop_legacy_folder(self, state: SyncState) -> None:
        """After a version-1 folder has been laid out anew, its documents/ tree is empty."""
        legacy = self.out / LEGACY_DOCUMENTS
        still_used = any(p.startswith(LEGACY_DOCUMENTS) for d in state.documents.values()
                         for p in d.paths)
        if legacy.is_dir() and not still_used and not any(f.is_file() for f in legacy.rglob("*")):
            shutil.rmtree(legacy)

    def _write_if_changed(self, path: Path, content: bytes) -> None:
        if not path.exists() or path.read_bytes() != content:
            write_atomic(path, content)


def _label(path: str) -> str:
    """The label of a download in the progress bar: the file's own name."""
    return path.rsplit("/", 1)[-1]


def verify(out: Path) -> list[str]:
    """Problems with a mirror: files missing or not matching their recorded SHA-256."""
    raw = json.loads((out / ".bidbridge-sync.json").read_text())
    problems = []
    for key, doc in raw["documents"].items():
        for path in doc["paths"]:
            file = out / path
            if not file.exists():
                problems.append(f"document {key}: {path} is missing")
            elif _sha256(file) != doc["sha256"]:
                problems.append(f"document {key}: {path} does not match its SHA-256")
    return problems
