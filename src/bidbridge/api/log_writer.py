"""Group commit of the request-log rows of calls that changed nothing.

A read-only call's own transaction writes nothing, so its row need not share it: the row goes to
this process's log writer, one thread that commits whatever rows are waiting in one transaction
— under load tens of calls share a BEGIN, an INSERT of many rows and a COMMIT, and on SQLite the
write lock is taken once per group instead of once per call (a read never takes it). The call's
answer waits for its row's commit (:meth:`LogWriter.commit`), so a row is never lost for an
answered call; a group the database refuses goes to the spool (api/log_spool.py) row by row,
as a lone row would.

A read-only function's bookkeeping writes (``Call.after_read``: "first opened", a sealed opening)
commit with its row, each in a savepoint of the group's transaction, so one failing write costs
that write only. A group with bookkeeping commits synchronously on PostgreSQL; one of log rows
alone does not wait for the WAL flush (see ``request_log.add``).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bidbridge.api import log_spool, request_log
from bidbridge.services.runtime import Runtime

log = logging.getLogger("bidbridge.api")

MAX_GROUP = 500  # rows per transaction at most


@dataclass
class Pending:
    """One call's row, what it asks to be written with it, and who waits for the commit."""

    values: dict[str, Any]
    touch_key_id: int | None = None
    bookkeeping: list[Callable[[Session], object]] = field(default_factory=list)
    done: Callable[[], None] = lambda: None


class LogWriter:
    """The process's log-writer thread, started on the first row."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._queue: queue.SimpleQueue[Pending | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()

    async def commit(self, pending: Pending) -> None:
        """Queue the row and return once it is committed (or spooled)."""
        loop = asyncio.get_running_loop()
        committed: asyncio.Future[None] = loop.create_future()

        def done() -> None:
            loop.call_soon_threadsafe(_resolve, committed)

        pending.done = done
        self.put(pending)
        await committed

    def put(self, pending: Pending) -> None:
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

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group = [first]
            stop = False
            while len(group) < MAX_GROUP:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                group.append(more)
            self._write(group)
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
            for pending in group:
                pending.done()


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


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():  # the caller may have gone (client disconnect)
        future.set_result(None)


def of(runtime: Runtime) -> LogWriter:
    """The runtime's log writer, made on first use and stopped with the runtime."""
    writer = runtime.extras.get("log_writer")
    if not isinstance(writer, LogWriter):
        writer = LogWriter(runtime)
        runtime.extras["log_writer"] = writer
        runtime.on_close.append(writer.close)
    return writer
