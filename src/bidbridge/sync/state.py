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
VERSION = 1


@dataclass
class DocumentState:
    sha256: str
    path: str  # relative to the output folder


@dataclass
class SyncState:
    base_url: str
    login: str
    updated_since: int | None = None  # the largest updatedAt of the last complete run
    cursor: str | None = None  # getRfps paging in progress (interrupted run)
    run_max_updated_at: int | None = None  # the largest updatedAt of the run in progress
    rfps: dict[str, int] = field(default_factory=dict)  # rfpId -> updatedAt mirrored
    documents: dict[str, DocumentState] = field(default_factory=dict)  # documentId -> state

    @classmethod
    def load(cls, folder: Path, base_url: str, login: str) -> SyncState:
        path = folder / STATE_FILE
        if not path.exists():
            return cls(base_url=base_url, login=login)
        raw: dict[str, Any] = json.loads(path.read_text())
        if raw.get("version") != VERSION:
            raise SystemExit(f"{path} was written by another version of bidbridge sync")
        if raw["base_url"] != base_url or raw["login"] != login:
            raise SystemExit(f"{folder} mirrors {raw['login']} at {raw['base_url']}; use another "
                             "folder for another account or server")
        docs = {k: DocumentState(**v) for k, v in raw.pop("documents", {}).items()}
        raw.pop("version")
        return cls(**raw, documents=docs)

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
