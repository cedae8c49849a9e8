"""Engine and session factory; the edge of each request owns its transaction."""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Engine, Numeric, String, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator

from bidbridge.prepared import run_driver_sql


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return _aware(value)

    def fast_result_processor(self, dialect: Any, coltype: Any) -> Any:
        """The result processor in one function (prepared.result_processor): the driver's
        value, parsed as the dialect's DateTime parses it (SQLite's text), made UTC."""
        parse = dialect.type_descriptor(self.load_dialect_impl(dialect)).result_processor(
            dialect, coltype)
        if parse is None:
            return _aware
        return lambda value: None if value is None else parse(value).replace(tzinfo=UTC)


def _aware(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=UTC)


# Connections are recycled rather than pinged on every checkout (a ping is a round trip per
# call); one dropped by a database restart fails its call with OperationalError, which the API
# answers 503 with Retry-After, and SQLAlchemy then discards every older pooled connection.
POOL_RECYCLE_S = 300
# A small pool kept apart for request-log rows of calls that found the main pool exhausted.
RESERVED = {"pool_size": 2, "max_overflow": 0, "pool_timeout": 30}
# Connection.info flag: the next transaction only reads, so it runs without one at the database:
# every statement is its own (SQLite: autocommit; PostgreSQL: the driver's autocommit). Under
# PostgreSQL's READ COMMITTED each statement takes its own snapshot inside a transaction too, so
# a reading call loses nothing and saves the BEGIN and COMMIT round trips; on SQLite a read then
# never holds a snapshot that would stop checkpoints, and never waits for the writer.
READ_ONLY = "bidbridge_read_only"
# How long a SQLite writer from outside our processes may keep another waiting (our own queue on
# the writer flock, see QueuedWriterConnection).
BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str, *, pool: bool = True, reserved: bool = False,
                sizes: dict[str, float] | None = None) -> Engine:
    """The engine of ``url``; ``reserved`` for the request log's own pool, ``sizes`` to override
    pool_size / max_overflow / pool_timeout (tests of pool exhaustion)."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30,
                          "factory": QueuedWriterConnection},
            poolclass=None if pool else NullPool,
            **(RESERVED if reserved and pool else {}), **(sizes or {}),
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    chosen = {**(RESERVED if reserved else {"pool_size": 10, "max_overflow": 10,
                                             "pool_timeout": 5}), **(sizes or {})}
    engine = create_engine(
        url,
        pool_recycle=POOL_RECYCLE_S,
        pool_pre_ping=reserved,  # the reserved pool is rarely used: its connections may be stale
        connect_args={"connect_timeout": 5},
        **chosen,
    )
    event.listen(engine, "begin", _postgres_begin)
    event.listen(engine, "commit", _postgres_end)
    event.listen(engine, "rollback", _postgres_end)
    return engine


def _postgres_begin(conn: Any) -> None:
    dbapi = conn.connection.dbapi_connection
    if conn.info.pop(READ_ONLY, False):
        dbapi.autocommit = True
    elif dbapi.autocommit:  # left in autocommit by a use outside transactions: one is wanted
        dbapi.autocommit = False


def outside_transactions(conn: Connection) -> None:
    """The connection's statements each their own transaction from here on, with no
    SQLAlchemy transaction around them (the light reads on the loop's connection): the driver
    in autocommit. SQLite's connections always are (``isolation_level = None``); a PostgreSQL
    one stays so until its next transaction begins (``_postgres_begin``)."""
    dbapi = conn.connection.dbapi_connection
    if dbapi is not None and conn.dialect.name == "postgresql" and not dbapi.autocommit:
        dbapi.autocommit = True


def _postgres_end(conn: Any) -> None:
    if conn.invalidated:  # a dropped connection: it is replaced, not reused
        return
    dbapi = conn.connection.dbapi_connection
    if dbapi is not None and dbapi.autocommit and not dbapi.closed:
        dbapi.autocommit = False


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy issue BEGIN itself (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # A transaction that may write takes the write lock at BEGIN: a read-then-write transaction
    # can then never fail with "database is locked" half-way, it waits its turn instead (SQLite
    # has one writer). One flagged read-only (READ_ONLY in Connection.info, consumed here) issues
    # no BEGIN at all: its statements run in autocommit and, in WAL mode, beside the writer.
    if conn.info.pop(READ_ONLY, False):
        return
    dbapi = conn.connection.dbapi_connection
    if isinstance(dbapi, QueuedWriterConnection):
        dbapi.take_write_turn()
    # On the driver's cursor, not exec_driver_sql: Core's execution machinery cost more than the
    # statement, and every SQLite write and log group pays it.
    run_driver_sql(conn, "BEGIN IMMEDIATE")


class QueuedWriterConnection(sqlite3.Connection):
    """A SQLite connection that queues for the write lock instead of polling for it.

    SQLite's busy handler sleeps and retries (1, 2, 5 … 100 ms): under load a waiting writer
    oversleeps the lock by tens of milliseconds, which is where SQLite's p99 of seconds came
    from. Every writer of this database (server workers, CLI, migrations: all come through
    make_engine) first takes an exclusive flock on ``<database>-writer.lock``, which the kernel
    hands to the next waiter the moment COMMIT or ROLLBACK releases it; the busy handler is left
    for writers from elsewhere. A process that dies releases its flock with it.
    """

    _lock_fd: int | None = None
    _lock_path: str | None = None
    _held = False

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        name = str(database)
        if name and name != ":memory:" and not name.startswith("file::memory:"):
            self._lock_path = name + "-writer.lock"

    def take_write_turn(self) -> None:
        if self._lock_path is None or self._held:
            return
        if self._lock_fd is None:
            self._lock_fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        self._held = True

    def try_write_turn(self) -> bool:
        """Take the write turn if no other writer holds it right now; never waits."""
        if self._lock_path is None or self._held:
            return True
        if self._lock_fd is None:
            self._lock_fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        self._held = True
        return True

    def release_write_turn(self) -> None:
        """Give the turn back without a COMMIT or ROLLBACK (one taken and then not used)."""
        if not self.in_transaction:
            self._release()

    def _release(self) -> None:
        if self._held and self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
        self._held = False

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._release()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._release()

    def close(self) -> None:
        self._release()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
        super().close()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception."""
    with factory() as session, session.begin():
        yield session


class ExactDecimal(TypeDecorator[Decimal]):
    """Money and quantities: NUMERIC on PostgreSQL, text on SQLite (whose NUMERIC is a float)."""

    impl = String(40)
    cache_ok = True

    def __init__(self, precision: int = 18, scale: int = 2) -> None:
        super().__init__()
        self.precision = precision
        self.scale = scale
        self._quantum = Decimal(1).scaleb(-scale)

    def __repr__(self) -> str:  # rendered into autogenerated migrations
        return f"ExactDecimal({self.precision}, {self.scale})"

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))
        return dialect.type_descriptor(String(40))

    def process_bind_param(self, value: Decimal | None, dialect: Any) -> Any:
        if value is None:
            return None
        exact = Decimal(value).quantize(self._quantum)
        return exact if dialect.name == "postgresql" else format(exact, "f")

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        return Decimal(value).quantize(self._quantum)
