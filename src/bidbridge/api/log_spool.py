"""Request-log rows that could not reach the database, kept on local disk until it is back.

While the database is down (a restart, a failover) every call answers 503, and its log row has
nowhere to go. It is written to ``<data dir>/request-log-spool/`` as one small file (written
aside, fsync'd, then renamed into place, so a file is whole or absent) before the answer leaves.
After a call's own transaction commits, the process checks the folder (one listing); if rows
wait, it takes the folder's lock (flock: one drainer at a time across the processes of the data
directory, released if it dies), inserts them and deletes their files. Draining is idempotent —
a row whose request id is already in the table is skipped — so a drainer that dies between its
commit and the deletes loses nothing and duplicates nothing.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bidbridge.models import ApiRequest

log = logging.getLogger("bidbridge.api")

SPOOL = "request-log-spool"
LOCK = ".lock"
BATCH = 500


def _dir(data_dir: Path) -> Path:
    return data_dir / SPOOL


# data dir -> when this process next looks for waiting rows, after finding none (a listing is
# ~15 µs, a call's whole budget is a few hundred): rows another process spooled are found within
# CHECK_EVERY_S, this process's own at once (spool() clears the entry).
_next_check: dict[Path, float] = {}
CHECK_EVERY_S = 1.0


def spool(data_dir: Path, values: dict[str, Any]) -> None:
    """Keep one row durably — or log it as lost if even the disk refuses."""
    _next_check.pop(data_dir, None)
    folder = _dir(data_dir)
    name = f"{os.getpid()}-{uuid.uuid4().hex}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        aside = folder / f".{name}.tmp"
        with open(aside, "w", encoding="utf-8") as out:
            json.dump({**values, "occurred_at": values["occurred_at"].isoformat()}, out)
            out.flush()
            os.fsync(out.fileno())
        aside.rename(folder / f"{name}.json")
    except OSError:
        log.exception("request log row %s lost: neither the database nor the spool took it",
                      values["request_id"])


def _waiting(folder: Path) -> list[Path]:
    try:
        return sorted(folder.glob("*.json"))[:BATCH]
    except FileNotFoundError:
        return []


def pending(data_dir: Path) -> bool:
    """Cheap (one listing of a usually missing folder): is any row waiting?"""
    try:
        with os.scandir(_dir(data_dir)) as entries:
            return any(e.name.endswith(".json") for e in entries)
    except FileNotFoundError:
        return False


def due(data_dir: Path) -> bool:
    """:func:`pending`, looked at most once every CHECK_EVERY_S while nothing waits."""
    now = time.monotonic()
    if now < _next_check.get(data_dir, 0.0):
        return False
    if pending(data_dir):
        return True
    _next_check[data_dir] = now + CHECK_EVERY_S
    return False


def _read(path: Path) -> dict[str, Any] | None:
    try:
        values: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        values["occurred_at"] = datetime.fromisoformat(values["occurred_at"])
        return values
    except FileNotFoundError:
        return None
    except (ValueError, KeyError):
        log.warning("skipping unreadable spooled log row %s", path)
        return None


def drain(session: Session, data_dir: Path) -> int:
    """Move waiting rows into the table in one transaction of ``session`` (outside any other of
    its transactions); the number moved. Another process draining right now: 0, at once."""
    if not pending(data_dir):
        return 0
    folder = _dir(data_dir)
    with open(folder / LOCK, "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return 0
        files = _waiting(folder)
        rows = {path: row for path in files if (row := _read(path)) is not None}
        moved = 0
        if rows:
            with session.begin():
                ids = [r["request_id"] for r in rows.values()]
                known = set(session.scalars(select(ApiRequest.request_id)
                                            .where(ApiRequest.request_id.in_(ids))))
                fresh = [r for r in rows.values() if r["request_id"] not in known]
                if fresh:
                    session.execute(insert(ApiRequest), fresh)
                moved = len(fresh)
        for path in files:
            path.unlink(missing_ok=True)
    if moved:
        log.info("moved %d spooled request-log rows into the table", moved)
    return moved
