"""Request-log rows that could not reach the database, kept on local disk until it is back.

While the database is down (a restart, a failover) every call answers 503, and its log row has
nowhere to go. It is appended to ``<data dir>/request-log-spool/<pid>.jsonl`` and fsync'd before
the answer leaves. The next call whose own transaction commits, in any process sharing the data
directory, claims the spool files (an atomic rename), inserts their rows and deletes them.
Draining is idempotent — a row whose request id is already in the table is skipped — so a
process that dies between the insert's commit and the delete loses nothing and duplicates
nothing: its claimed file is drained again once its pid is gone.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bidbridge.models import ApiRequest

log = logging.getLogger("bidbridge.api")

SPOOL = "request-log-spool"
CLAIMED = ".claimed-"


def _dir(data_dir: Path) -> Path:
    return data_dir / SPOOL


def spool(data_dir: Path, values: dict[str, Any]) -> None:
    """Append one row, durably (fsync) — or log it as lost if even the disk refuses."""
    folder = _dir(data_dir)
    line = json.dumps({**values, "occurred_at": values["occurred_at"].isoformat()})
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / f"{os.getpid()}.jsonl", "a", encoding="utf-8") as out:
            out.write(line + "\n")
            out.flush()
            os.fsync(out.fileno())
    except OSError:
        log.exception("request log row %s lost: neither the database nor the spool took it",
                      values["request_id"])


def pending(data_dir: Path) -> bool:
    """Cheap (one directory listing of a usually missing folder): is anything spooled?"""
    try:
        return any(True for _ in os.scandir(_dir(data_dir)))
    except FileNotFoundError:
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _claim(folder: Path) -> list[Path]:
    mine: list[Path] = []
    for path in sorted(folder.iterdir()):
        name = path.name
        if CLAIMED in name:
            owner = int(name.rsplit(CLAIMED, 1)[1])
            if owner != os.getpid() and _alive(owner):
                continue  # another process is draining it right now
        elif not name.endswith(".jsonl"):
            continue
        target = folder / f"{name.split(CLAIMED)[0]}{CLAIMED}{os.getpid()}"
        try:
            path.rename(target)
        except FileNotFoundError:
            continue  # claimed by another process first
        mine.append(target)
    return mine


def _rows(path: Path) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            values = json.loads(line)
            values["occurred_at"] = datetime.fromisoformat(values["occurred_at"])
        except (ValueError, KeyError):
            # Only a line cut by a crash mid-append can be broken; its call got no answer.
            log.warning("skipping unreadable spooled log line %s:%d", path, number)
            continue
        rows.append(values)
    return rows


def drain(session: Session, data_dir: Path) -> int:
    """Move every spooled row into the table, in one transaction of ``session``; the number
    moved. Call it outside any other transaction of the session."""
    if not pending(data_dir):
        return 0
    claimed = _claim(_dir(data_dir))
    rows = [r for path in claimed for r in _rows(path)]
    moved = 0
    if rows:
        with session.begin():
            ids = [r["request_id"] for r in rows]
            known = set(session.scalars(select(ApiRequest.request_id)
                                        .where(ApiRequest.request_id.in_(ids))))
            fresh = [r for r in rows if r["request_id"] not in known]
            if fresh:
                session.execute(insert(ApiRequest), fresh)
            moved = len(fresh)
    for path in claimed:
        path.unlink(missing_ok=True)
    if moved:
        log.info("moved %d spooled request-log rows into the table", moved)
    return moved
