"""What a function handler receives besides its typed input: the principal, a session, the
context. The parameters reach the handler only as its input model (see api/declare.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from starlette.datastructures import Headers

from bidbridge.api.declare import Function
from bidbridge.api.request_log import LogEntry
from bidbridge.services.context import RequestContext
from bidbridge.services.runtime import Runtime
from bidbridge.services.tokens import Principal


class WriteNeeded(Exception):
    """A ``read_first`` function found it must change something: run it again, writing."""


@dataclass
class Call:
    function: Function
    # The call's ORM session, made on first use (on the call's connection, in its transaction):
    # a function whose statements are Core on the connection never pays for one.
    open_session: Callable[[], Session]
    ctx: RequestContext
    runtime: Runtime
    headers: Headers
    principal_or_none: Principal | None = None
    # The call's request-log row: getToken names its user with log.identify(…), since no token
    # was sent.
    log: LogEntry | None = None
    bookkeeping: list[Callable[[Session], object]] = field(default_factory=list)
    # The call's connection, in its transaction: for Core and prepared statements (no session).
    conn: Connection | None = None
    # True while a read_first function runs as a read (no transaction, nothing may change).
    reading: bool = False

    def write_needed(self) -> None:
        """In a read_first function's reading run: stop here, and run the call again writing."""
        if self.reading:
            raise WriteNeeded

    def after_read(self, write: Callable[[Session], object]) -> None:
        """A read-only function's bookkeeping write (e.g. "first opened"): made with the request
        log row by the log writer (api/log_writer.py), in a transaction that commits
        synchronously, so the read itself stays lock-free. ``write`` gets the writer's session:
        it must capture ids and plain values, not objects loaded by this call's session."""
        self.bookkeeping.append(write)

    @property
    def connection(self) -> Connection:
        if self.conn is None:
            return self.session.connection()
        return self.conn

    @property
    def session(self) -> Session:
        return self.open_session()

    @property
    def principal(self) -> Principal:
        if self.principal_or_none is None:
            raise RuntimeError(f"{self.function.name} needs an authenticated principal")
        return self.principal_or_none
