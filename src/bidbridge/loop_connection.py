"""One database connection per event-loop thread, held across the light calls and the log
groups that run on that loop.

A light call (getMe, getRfp, getRfps, getToken handing back its token) and a log group run on
the event loop, one after another and never interleaved: each is synchronous from its first
statement to its last. Checking a connection out of the pool and back in for each of them —
a SQLAlchemy ``Connection``, the pool's bookkeeping and events, and the reset's rollback on
return — cost ~100 µs of CPU per call on PostgreSQL and ~60 µs on SQLite, against 115 µs and
30 µs for the token check's statement itself. So the loop's thread keeps one connection and
uses it for all of them.

What keeps that safe:

- it is held only between uses, never inside a transaction: every use begins and ends its own
  (or runs in autocommit), and one that leaves a transaction open is rolled back on return;
- a use while it is in use (which the dispatcher never does) gets a pooled connection of its
  own, as before;
- a connection the database dropped (``invalidated``) is replaced on the next use, and the held
  one goes back to the pool after ``HOLD_S`` so the pool's recycling still applies to it;
- only a pool of at least ``MIN_POOL`` connections gives one up for holding (the worker threads
  are capped two below the pool's size: dispatch.thread_cap), and a forked child never uses
  its parent's;
- it goes back to the pool when its thread ends (a test client's loop thread) and with the
  runtime (:func:`release`).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
import weakref
from collections.abc import Iterator

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool

from bidbridge.db import READ_ONLY
from bidbridge.prepared import run_outside_transaction

HOLD_S = 60.0  # then the held connection goes back to the pool and another is taken
MIN_POOL = 4  # a smaller pool lends none for holding: its threads need every one


# Session settings of a held connection, by dialect: (while held, when given back).
#
# PostgreSQL: generic plans. psycopg prepares a statement on its fifth run, but PostgreSQL
# still plans a prepared statement afresh on every execution while a plan for the values at
# hand looks cheaper than the generic one — which it always does for a statement with a LIMIT
# parameter (the token check's LIMIT 1 subquery, getRfps' page). The light calls' statements are
# index lookups whose generic plan is the right one; measured on the bench database, server
# time per execution: the token check 444 -> 162 µs, the getRfps page 2,144 -> 538 µs.
SETTINGS: dict[str, tuple[str, str]] = {
    "postgresql": ("SET plan_cache_mode = force_generic_plan", "RESET plan_cache_mode"),
}


class _Held:
    __slots__ = ("__weakref__", "busy", "conn", "pid", "since")

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.since = time.monotonic()
        self.pid = os.getpid()
        self.busy = False
        settings = SETTINGS.get(conn.dialect.name)
        if settings is not None:
            try:
                run_outside_transaction(conn, settings[0])
            except Exception:
                conn.close()
                raise

    def close(self) -> None:
        if self.pid == os.getpid() and not self.conn.closed:  # never a parent's socket
            with contextlib.suppress(Exception):  # a broken one is discarded by the pool
                settings = SETTINGS.get(self.conn.dialect.name)
                if settings is not None and not self.conn.invalidated:
                    try:
                        run_outside_transaction(self.conn, settings[1])
                        dbapi = self.conn.connection.dbapi_connection
                        if dbapi is not None and dbapi.autocommit:  # the light reads' mode
                            dbapi.autocommit = False
                    except Exception:
                        self.conn.invalidate()  # not back into the pool with our settings
                self.conn.close()

    def __del__(self) -> None:  # its thread ended: the connection goes back to the pool
        if not sys.is_finalizing():  # at exit the driver's modules may be gone already
            self.close()


class _PerThread(threading.local):
    held: _Held | None = None


class _Holder:
    def __init__(self) -> None:
        self.local = _PerThread()
        self.every: weakref.WeakSet[_Held] = weakref.WeakSet()


_HOLDERS: weakref.WeakKeyDictionary[Engine, _Holder | None] = weakref.WeakKeyDictionary()


def _holder(engine: Engine) -> _Holder | None:
    try:
        return _HOLDERS[engine]
    except KeyError:
        pool = engine.pool
        holds = (isinstance(pool, QueuePool)
                 and pool.size() + max(pool._max_overflow, 0) >= MIN_POOL)
        found = _HOLDERS[engine] = _Holder() if holds else None
        return found


@contextlib.contextmanager
def connection(engine: Engine) -> Iterator[Connection]:
    """The calling thread's held connection of ``engine`` (outside any transaction), or a pooled
    one for this use alone when it cannot be held or is in use."""
    holder = _holder(engine)
    held = holder.local.held if holder is not None else None
    if holder is None or (held is not None and held.busy):
        with engine.connect() as conn:
            yield conn
        return
    if held is None or held.conn.closed or held.conn.invalidated or held.pid != os.getpid() \
            or time.monotonic() - held.since > HOLD_S:
        if held is not None:
            held.close()
        held = holder.local.held = _Held(engine.connect())
        holder.every.add(held)
    held.busy = True
    try:
        yield held.conn
    finally:
        held.busy = False
        conn = held.conn
        # (An invalidated connection is replaced on the next use; touching its info would
        # reconnect it here, and a failure to would escape the call.)
        if not conn.closed and not conn.invalidated:
            conn.info.pop(READ_ONLY, None)  # a light read's flag, unused if it began nothing
            if conn.in_transaction():
                conn.rollback()  # a use must end its transaction; this one is not carried on


def release(engine: Engine) -> None:
    """Every connection held for ``engine``, by any thread, back to the pool (before the
    engine is disposed)."""
    holder = _HOLDERS.pop(engine, None)
    if holder is not None:
        for held in list(holder.every):
            held.close()
