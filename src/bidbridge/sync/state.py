"""The sync state file: where the last run stopped, which RFP versions and document hashes we have.

Written atomically (temp file + rename) after every RFP, so an interrupted run loses nothing that
it finished, and the next run carries on from there.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

STATE_FILE = ".bidbridge-sync.json"
VERSION = 2
# Version 1 kept every document once under documents/<id>/, apart from its RFP.
LEGACY_DOCUMENTS = "documents/"


@dataclass
class DocumentState:
    sha256: str
    paths: list[str] = field(default_factory=list)  # relative to the output folder; first = downloaded

    def existing(self, out: Path, size: int, prefer: str) -> str | None:
        """A path that holds this version already (right size on disk), ``prefer`` first."""
        for path in sorted(self.paths, key=lambda p: p != prefer):
            file = out / path
            if file.is_file() and file.stat().st_size == size:
                return path
        return None


@dataclass
class RfpState:
    updated_at: int
    folder: str  # rfps/<id> <project> - <workpackage>
    files: dict[str, str] = field(default_factory=dict)  # documentId -> path placed in the folder


@dataclass
class SyncState:
    base_url: str
    login: str
    updated_since: int | None = None  # the largest updatedAt of the last complete run
    cursor: str | None = None  # getRfps paging in progress (interrupted run)
    run_max_updated_at: int | None = None  # the largest updatedAt of the run in progress
    event_cursor: str | None = None  # --follow: where the change feed was read to
    rfps: dict[str, RfpState] = field(default_factory=dict)  # rfpId -> what is mirrored
    documents: dict[str, DocumentState] = field(default_factory=dict)  # documentId -> state

    @classmethod
    def load(cls, folder: Path, base_url: str, login: str) -> SyncState:
        path = folder / STATE_FILE
        if not path.exists():
            return cls(base_url=base_url, login=login)
        raw: dict[str, Any] = json.loads(path.read_text())
        if raw.get("version") not in (1, VERSION):
            raise SystemExit(f"{path} was written by another version of bidbridge sync")
        if raw["base_url"] != base_url or raw["login"] != login:
            raise SystemExit(f"{folder} mirrors {raw['login']} at {raw['base_url']}; use another "
                             "folder for another account or server")
        if raw["version"] == 1:
            return cls._from_version_1(raw)
        docs = {k: DocumentState(**v) for k, v in raw.pop("documents", {}).items()}
        rfps = {k: RfpState(**v) for k, v in raw.pop("rfps", {}).items()}
        raw.pop("version")
        return cls(**raw, rfps=rfps, documents=docs)

    @classmethod
    def _from_version_1(cls, raw: dict[str, Any]) -> SyncState:
        """Every RFP is visited once more to lay it out anew; the documents already on disk
        are moved into their RFPs' folders, not downloaded again."""
        docs = {k: DocumentState(sha256=v["sha256"], paths=[v["path"]])
                for k, v in raw.get("documents", {}).items()}
        return cls(base_url=raw["base_url"], login=raw["login"], documents=docs)

    def save(self, folder: Path) -> None:
        data = {"version": VERSION, **asdict(self)}
        write_atomic(folder / STATE_FILE, json.dumps(data, indent=1, sort_keys=True).encode())


def write_atomic(path: Path, content: bytes) -> None:
    """Replace ``path`` with ``content`` so that readers see the old or the new file, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def link_atomic(source: Path, target: Path) -> None:
    """Make ``target`` the same file as ``source``: a hard link where the file system allows
    one (no second copy on disk), else a copy; replaced atomically either way."""
    import shutil

    if target.exists() and os.path.samefile(source, target):
        return  # already one file (renaming a link onto itself would do nothing)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.link.tmp")
    tmp.unlink(missing_ok=True)
    try:
        try:
            os.link(source, tmp)
        except OSError:
            shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
