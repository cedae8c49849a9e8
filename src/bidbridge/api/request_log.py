"""The request log: one row per API call, refused ones included, written by one sink.

Who a row names comes from one place, :meth:`LogEntry.identify`: the principal of a valid token,
the owner of a refused one, or the user getToken just checked. Where the row goes:

- for a change, with the call's own work, in its transaction, on its connection (:func:`add`):
  the row commits exactly when the work does;
- for a call that changed nothing — a read, a refusal — through the process's log writer
  (api/log_writer.py), which commits the rows of the calls in flight together
  (:func:`add_many`); the answer waits for that commit. A refusal whose idempotency key stores
  it commits its row with that, in one short transaction on the call's connection;
- when no connection of the call's pool is free (the 503 "busy" answer), through a small
  reserved pool kept for log rows alone (:func:`write_alone`);
- when the database cannot be reached at all, into a local spool file, fsync'd, which the next
  successful write in any process of this data directory drains into the table
  (:mod:`bidbridge.api.log_spool`).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import anyio.to_thread
from sqlalchemy import String, TypeDecorator, bindparam, insert, text, update
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.types import Scope

from bidbridge.api import log_spool
from bidbridge.api.declare import Api, Function
from bidbridge.api.problem import dumps
from bidbridge.api.request import CallRequest
from bidbridge.models import ApiKey, ApiRequest
from bidbridge.prepared import PreparedInsert, run_outside_transaction
from bidbridge.security.redaction import mask
from bidbridge.services.runtime import Runtime

log = logging.getLogger("bidbridge.api")

_RELAXED = text("SET LOCAL synchronous_commit TO OFF")
# Core statements, not the ORM bulk path: one row, no unit of work.
_INSERT = insert(ApiRequest.__table__)  # type: ignore[arg-type]
_INSERT_MANY = PreparedInsert(ApiRequest.__table__)  # type: ignore[arg-type]
_KEYS = ApiKey.__table__
_TOUCH_KEY = (update(_KEYS).where(_KEYS.c.id == bindparam("touched_key"))  # type: ignore[arg-type]
              .values(last_used_at=bindparam("used_at")))

MAX_LOGGED_VALUE = 500


@dataclass
class LogEntry:
    """What the row of one call will say; filled as the call proceeds."""

    api: Api
    function: str | None
    method: str
    path: str
    template: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    company_id: int | None = None
    contact_id: int | None = None
    contact_name: str | None = None
    # The API key whose last_used_at is due (at most one write a minute per key), written with
    # the row so that a read-only call's own transaction never writes.
    touch_key_id: int | None = None

    def identify(self, company_id: int, contact_id: int, contact_name: str) -> None:
        """The one place the row's identity is set."""
        self.company_id, self.contact_id, self.contact_name = company_id, contact_id, contact_name


def loggable(fn: Function, query: dict[str, Any]) -> dict[str, Any]:
    """The query parameters as they may be kept: secrets redacted, files described, long
    values cut."""
    out: dict[str, Any] = {}
    for key, value in query.items():
        param = fn.param_index.get(key)
        if param is not None and param.secret:
            out[key] = "[redacted]"
        elif isinstance(value, UploadFile):
            out[key] = {"filename": value.filename, "size": value.size}
        elif isinstance(value, list) and value and isinstance(value[0], UploadFile):
            out[key] = [{"filename": f.filename, "size": f.size} for f in value]
        else:
            raw = mask(value if isinstance(value, str) else dumps(value).decode())
            out[key] = raw if len(raw) <= MAX_LOGGED_VALUE else raw[:MAX_LOGGED_VALUE] + "…"
    return out


def row(runtime: Runtime, request: CallRequest, entry: LogEntry, status: int, code: str | None,
        started: float) -> dict[str, Any]:
    return {
        "occurred_at": runtime.clock.now(), "request_id": request.request_id,
        "api": entry.api, "function": entry.function, "method": entry.method,
        "path": entry.path[:500], "company_id": entry.company_id,
        "contact_id": entry.contact_id, "contact_name": entry.contact_name,
        "template_params": entry.template, "query_params": entry.query, "status": status,
        "error_code": code, "duration_ms": round((time.perf_counter() - started) * 1000, 3),
        "client_ip": request.client_ip,
        "user_agent": (request.user_agent or "")[:500] or None,
    }


def add(conn: Connection, values: dict[str, Any], entry: LogEntry) -> None:
    """Insert the row (a Core insert: no unit of work) in the connection's open transaction."""
    conn.execute(_INSERT, values)
    if entry.touch_key_id is not None:
        now: datetime = values["occurred_at"]
        conn.execute(_TOUCH_KEY, {"touched_key": entry.touch_key_id,
                                  "used_at": now.replace(microsecond=0)})


def add_many(conn: Connection, rows: list[dict[str, Any]], touched_keys: set[int], *,
             relaxed_commit: bool) -> None:
    """A group of rows (api/log_writer.py) in the connection's open transaction, and the due
    last_used_at of their keys (whole seconds, the group's latest moment).

    ``relaxed_commit`` (PostgreSQL, a group of log rows alone): the commit does not wait for its
    WAL flush. A crash of the database server itself — not a restart, which flushes — can then
    lose the rows of the last ~3 × wal_writer_delay (600 ms by default); a change and its audit
    event, and a group with bookkeeping writes, always commit synchronously.
    """
    if relaxed_commit and conn.dialect.name == "postgresql":
        conn.execute(_RELAXED)
    _INSERT_MANY.run(conn, rows)
    if touched_keys:
        now: datetime = max(r["occurred_at"] for r in rows)
        conn.execute(_TOUCH_KEY, [{"touched_key": key, "used_at": now.replace(microsecond=0)}
                                  for key in sorted(touched_keys)])


def add_group_alone(conn: Connection, rows: list[dict[str, Any]], touched_keys: set[int], *,
                    lock_timeout_ms: int) -> None:
    """PostgreSQL: a group of rows and the due last_used_at of their keys in one statement, its
    own transaction, on a connection outside any (the driver in autocommit). One round trip,
    where BEGIN, the settings, the INSERT and COMMIT — even pipelined — cost the event loop 7
    waits on its socket and ~520 µs of CPU per group (~240 µs now). Like every group of log
    rows alone, its commit does not wait for the WAL flush (``add_many``); a key's row locked
    elsewhere fails it within ``lock_timeout_ms`` (the caller hands the group on)."""
    keys = tuple(rows[0])
    found = _GROUPS.get((keys, lock_timeout_ms))
    if found is None:
        found = _GROUPS[(keys, lock_timeout_ms)] = _group_statement(conn.dialect, keys,
                                                                    lock_timeout_ms)
    sql, binds = found
    used_at = (_text_value(binds["used_at"](max(r["occurred_at"] for r in rows)
                                            .replace(microsecond=0)))
               if touched_keys else None)
    group = [{k: (_text_value(binds[k](v)) if k in binds else v) for k, v in r.items()}
             for r in rows]
    parameters = {"rows": json.dumps(group, ensure_ascii=False, separators=(",", ":")),
                  "touched_keys": sorted(touched_keys), "used_at": used_at}
    run_outside_transaction(conn, sql, parameters)


_GROUPS: dict[tuple[tuple[str, ...], int], tuple[str, dict[str, Callable[[Any], Any]]]] = {}


def _text_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _group_statement(dialect: Dialect, keys: tuple[str, ...], lock_timeout_ms: int
                     ) -> tuple[str, dict[str, Callable[[Any], Any]]]:
    """The statement of :func:`add_group_alone` for rows of these keys, and the bind processors
    of the columns that need one (the UTC datetimes; ``used_at`` for the key's). The rows go as
    one JSON text (``json_to_recordset``): one text parameter, which the driver sends as it is,
    and one prepared statement for groups of any size — an array per column cost more to
    adapt in Python than the INSERT itself. Strings are read as text and cast to the column's
    ``VARCHAR(n)`` by the INSERT, which refuses an overlong one as before. The settings are a
    materialized CTE that the key's UPDATE and the INSERT both join, so they are in force before
    either runs; transaction-local, they hold until this statement's own commit."""
    table = _INSERT_MANY.table
    key_table: Any = _KEYS
    quote = dialect.identifier_preparer.quote

    def sql_type(column: Any) -> str:
        return "TEXT" if isinstance(column.type, String) else column.type.compile(dialect=dialect)

    binds: dict[str, Callable[[Any], Any]] = {}
    for key, column in [*((k, table.c[k]) for k in keys),
                        ("used_at", key_table.c.last_used_at)]:
        if isinstance(column.type, TypeDecorator):  # UTCDateTime: aware to naive UTC
            process = column.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                binds[key] = process
    names = ", ".join(quote(k) for k in keys)
    record = ", ".join(f"{quote(k)} {sql_type(table.c[k])}" for k in keys)
    keys_name = quote(key_table.name)
    sql = (f"WITH settings AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true) "
           f"AS synchronous_commit, set_config('lock_timeout', '{int(lock_timeout_ms)}ms', true) "
           f"AS lock_timeout), "
           f"touched AS (UPDATE {keys_name} SET last_used_at = "
           f"%(used_at)s::{sql_type(key_table.c.last_used_at)} FROM settings "
           f"WHERE {keys_name}.id = ANY(%(touched_keys)s::INTEGER[])) "
           f"INSERT INTO {quote(table.name)} ({names}) SELECT {names} "
           f"FROM settings, json_to_recordset(%(rows)s::json) AS r({record})")
    return sql, binds


async def log_refused_before_dispatch(runtime: Runtime, api: Api, scope: Scope, started: float,
                                      status: int, code: str) -> None:
    """The row of a call refused before dispatch saw it (a body over its limit): no function
    name, since routing never ran, but the path, the caller and the refusal."""
    request = CallRequest(scope, None, runtime)
    entry = LogEntry(api=api, function=None, method=request.method, path=mask(request.path))
    values = row(runtime, request, entry, status, code, started)
    await anyio.to_thread.run_sync(write_alone, runtime, values)


def spool(runtime: Runtime, values: dict[str, Any]) -> None:
    """The row of a call that failed because the database did: straight to local disk."""
    log_spool.spool(runtime.settings.data_dir, values)


def write_alone(runtime: Runtime, values: dict[str, Any], *, reserved: bool = False) -> None:
    """The row of a call that has no transaction of its own, in one short transaction — through
    the reserved pool when the call found the main pool exhausted or its connection broken —
    else into the spool. Never raises."""
    engine = runtime.log_engine() if reserved else runtime.engine
    try:
        with Session(bind=engine) as session, session.begin():
            session.execute(_INSERT, values)
    except SQLAlchemyError as exc:
        log.warning("request log unreachable (%s); row %s spooled", exc.__class__.__name__,
                    values["request_id"])
        log_spool.spool(runtime.settings.data_dir, values)
