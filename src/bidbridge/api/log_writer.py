"""Group commit of the request-log rows of calls that changed nothing.

A read-only call's own transaction writes nothing, so its row need not share it: the row goes to
this process's log writer, which commits whatever rows are waiting in one transaction — under
load tens of calls share a BEGIN, an INSERT of many rows and a COMMIT, and on SQLite the write
lock is taken once per group instead of once per call (a read never takes it). The call's answer
waits for its row's commit (:meth:`LogWriter.commit`), so a row is never lost for an answered
call; a group the database refuses goes to the spool (api/log_spool.py) row by row, as a lone
row would.

Where a group is written:

- **On the event loop**: the rows queued during one turn of the loop, and during the next, are
  committed at the start of the turn after that, on the loop itself — on SQLite when the write
  lock is free *right now* (a non-blocking ``flock``, and a short busy timeout for writers from
  elsewhere), on PostgreSQL
  as one statement in its own transaction, with a short lock timeout (a key's row locked
  elsewhere). Committing a few rows costs the loop less than handing them to a thread: the
  hand-over and the GIL traded between the two threads were a quarter of a SQLite worker's busy
  time under load; on PostgreSQL the group's round trip costs less than that too (measured:
  getMe +64 %, getRfp +31 % at 16 connections, when it still took four round trips).
- **Again on the loop, a millisecond later**, when the SQLite lock was taken (the other worker
  is committing a group of its own, which takes a fraction of a millisecond), with the rows
  queued by then — for up to ``LOOP_RETRY_S``; so under load the writer thread is rarely woken
  (its wake-ups trading the GIL cost SQLite's getMe 7–10 % of its throughput).
- **On the writer thread** otherwise: the SQLite lock stayed taken, the loop's attempt failed
  for any reason (the thread tries again the old way and spools on failure; for a second after
  a failure every group goes to the thread, so a database in trouble does not stall the loop
  turn after turn), or a group with bookkeeping writes.

A read-only function's bookkeeping writes (``Call.after_read``: "first opened", a sealed opening)
commit with its row, each in a savepoint of the group's transaction, so one failing write costs
that write only. A group with bookkeeping commits synchronously on PostgreSQL; one of log rows
alone does not wait for the WAL flush (see ``request_log.add``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bidbridge import loop_connection
from bidbridge.api import log_spool, request_log
from bidbridge.db import BUSY_TIMEOUT_MS, QueuedWriterConnection
from bidbridge.services.runtime import Runtime

log = logging.getLogger("bidbridge.api")

MAX_GROUP = 500  # rows per transaction at most


@dataclass
class Pending:
    """One call's row, what it asks to be written with it, and who waits for the commit."""

    values: dict[str, Any]
    touch_key_id: int | None = None
    bookkeeping: list[Callable[[Session], object]] = field(default_factory=list)
    # The waiting caller: its loop and the future its commit resolves (None: nobody waits).
    waiter: tuple[asyncio.AbstractEventLoop, asyncio.Future[None]] | None = None


_DRAIN = "drain"  # asks the thread to move spooled rows in


class LogWriter:
    """The process's log writer: groups committed on the event loop where that is cheap and
    safe, by its thread (started on first use) otherwise."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._queue: queue.SimpleQueue[Pending | str | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()
        # Rows queued on each event loop during its current turn (tests run several loops).
        self._turns: dict[asyncio.AbstractEventLoop, list[Pending]] = {}
        self._loop_paused_until = 0.0  # after a failed attempt on the loop: the thread's, a while
        # Per loop: a group that found the SQLite write lock taken, and since when it waits.
        self._retries: dict[asyncio.AbstractEventLoop, tuple[float, list[Pending]]] = {}

    async def commit(self, pending: Pending) -> None:
        """Queue the row and return once it is committed (or spooled)."""
        loop = asyncio.get_running_loop()
        committed: asyncio.Future[None] = loop.create_future()
        pending.waiter = (loop, committed)
        if not pending.bookkeeping and time.monotonic() >= self._loop_paused_until:
            turn = self._turns.get(loop)
            if turn is None:
                self._turns[loop] = [pending]
                # Not in the next turn but the one after: the calls the next poll brings join
                # the group too. Groups of two turns are half as many round trips (PostgreSQL
                # getMe +32 % at 16 connections); an idle loop runs both turns at once.
                loop.call_soon(loop.call_soon, self._write_turn, loop)
            else:
                turn.append(pending)
        else:
            self.put(pending)
        await committed

    def put(self, pending: Pending | str) -> None:
        if self._thread is None:
            with self._start:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="bidbridge-log-writer",
                                                    daemon=True)
                    self._thread.start()
        self._queue.put(pending)

    def close(self) -> None:
        """Commit what is queued and stop the thread."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._thread = None

    # -- on the event loop ------------------------------------------------------------------

    def _write_turn(self, loop: asyncio.AbstractEventLoop) -> None:
        since, earlier = self._retries.pop(loop, (None, []))
        group = earlier + self._turns.pop(loop, [])
        if not group:
            return
        outcome = _commit_now(self.runtime, group)
        if outcome is True:
            for pending in group:
                _resolve(pending)
            if log_spool.due(self.runtime.settings.data_dir):
                self.put(_DRAIN)
            return
        now = time.monotonic()
        since = now if since is None else since
        if outcome is False and now - since < LOOP_RETRY_S:
            # The other process holds the lock for a commit of its own, which takes a fraction
            # of a millisecond: try again on the loop in a moment, with the rows queued by then,
            # rather than hand the group to the thread (whose wake-ups trade the GIL).
            self._retries[loop] = (since, group)
            loop.call_later(LOOP_RETRY_DELAY_S, self._write_turn, loop)
            return
        if outcome == "failed":  # a database in trouble must not cost the loop on every turn
            self._loop_paused_until = now + LOOP_PAUSE_S
        for pending in group:  # the lock is taken, or the attempt failed: the thread waits
            self.put(pending)

    # -- on the thread ----------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group: list[Pending] = []
            drain = False
            stop = False
            item: Pending | str | None = first
            while True:
                if item is None:
                    stop = True
                    break
                if isinstance(item, str):
                    drain = True
                else:
                    group.append(item)
                if len(group) >= MAX_GROUP:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            if group:
                self._write(group)
            elif drain:
                self._drain_spool()
            if stop:
                return

    def _write(self, group: list[Pending]) -> None:
        try:
            _commit_group(self.runtime, group)
        except Exception as exc:  # the database refused or is away: to local disk, row by row
            if isinstance(exc, SQLAlchemyError):
                log.warning("request log unreachable (%s); %d rows spooled",
                            exc.__class__.__name__, len(group))
            else:
                log.exception("request log group failed; %d rows spooled", len(group))
            for pending in group:
                try:
                    log_spool.spool(self.runtime.settings.data_dir, pending.values)
                except Exception:  # never let the writer die, never leave a caller waiting
                    log.exception("request log row %s lost", pending.values.get("request_id"))
        else:
            self._drain_spool()
        finally:
            # One wake-up per waiting loop, not one per row.
            by_loop: dict[asyncio.AbstractEventLoop, list[Pending]] = {}
            for pending in group:
                if pending.waiter is not None:
                    by_loop.setdefault(pending.waiter[0], []).append(pending)
            for loop, waiting in by_loop.items():
                # A loop that has closed has nobody left waiting on it.
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(_resolve_all, waiting)

    def _drain_spool(self) -> None:
        """Rows spooled while the database was unreachable, now that a group committed."""
        data_dir = self.runtime.settings.data_dir
        try:
            if log_spool.due(data_dir):
                with self.runtime.sessions() as session:
                    log_spool.drain(session, data_dir)
        except (SQLAlchemyError, OSError) as exc:
            log.warning("draining the request-log spool failed (%s); it runs again later",
                        exc.__class__.__name__)


LOOP_WAIT_MS = 20  # how long a group on the loop waits for a lock it does not queue for
LOOP_PAUSE_S = 1.0  # after a failed attempt on the loop, groups go to the thread this long
# A group that found the SQLite write lock taken is tried again on the loop this soon (uvloop's
# timers count milliseconds), for this long at most; then it queues for the lock on the thread.
LOOP_RETRY_DELAY_S = 0.001
LOOP_RETRY_S = 0.02


def _commit_now(runtime: Runtime, group: list[Pending]) -> bool | str:
    """The group committed on the calling (event-loop) thread: True; False, with nothing
    written, when the SQLite write lock is taken right now; "failed" when the attempt failed
    (rolled back)."""
    rows = [p.values for p in group]
    keys = {p.touch_key_id for p in group if p.touch_key_id is not None}
    try:
        with loop_connection.connection(runtime.engine) as conn:
            dbapi = conn.connection.dbapi_connection
            assert dbapi is not None  # a live connection: checked out or held
            if not isinstance(dbapi, QueuedWriterConnection):  # PostgreSQL
                # One statement, its own transaction: one round trip (request_log).
                request_log.add_group_alone(conn, rows, keys, lock_timeout_ms=LOOP_WAIT_MS)
                return True
            if not dbapi.try_write_turn():
                return False
            try:
                # Our own writers queue on the flock just taken; one from elsewhere (a sqlite3
                # shell) could still hold the database: fail fast rather than stall the loop.
                dbapi.execute(f"PRAGMA busy_timeout={LOOP_WAIT_MS}")
                with conn.begin():
                    request_log.add_many(conn, rows, keys, relaxed_commit=True)
            finally:
                dbapi.release_write_turn()  # a no-op after COMMIT or ROLLBACK released it
                dbapi.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    except Exception as exc:  # rolled back: the thread tries again and spools if it must
        log.info("log group on the loop failed (%s); handed to the thread",
                 exc.__class__.__name__)
        return "failed"
    return True


def _commit_group(runtime: Runtime, group: list[Pending]) -> None:
    bookkeeping = [p for p in group if p.bookkeeping]
    with runtime.engine.connect() as conn, conn.begin():
        if bookkeeping:
            with runtime.sessions(bind=conn, join_transaction_mode="create_savepoint") as session:
                for pending in bookkeeping:
                    for write in pending.bookkeeping:
                        try:
                            with session.begin_nested():
                                write(session)
                        except Exception as exc:  # that write only: the row still commits
                            log.warning("bookkeeping of request %s failed (%s)",
                                        pending.values["request_id"], exc.__class__.__name__)
                session.commit()  # releases the session's savepoint into the group's transaction
        request_log.add_many(conn, [p.values for p in group],
                             {p.touch_key_id for p in group if p.touch_key_id is not None},
                             relaxed_commit=not bookkeeping)


def _resolve(pending: Pending) -> None:
    if pending.waiter is not None:
        future = pending.waiter[1]
        if not future.done():  # the caller may have gone (client disconnect)
            future.set_result(None)


def _resolve_all(group: list[Pending]) -> None:
    for pending in group:
        _resolve(pending)


def of(runtime: Runtime) -> LogWriter:
    """The runtime's log writer, made on first use and stopped with the runtime."""
    writer = runtime.extras.get("log_writer")
    if not isinstance(writer, LogWriter):
        writer = LogWriter(runtime)
        runtime.extras["log_writer"] = writer
        runtime.on_close.append(writer.close)
    return writer
