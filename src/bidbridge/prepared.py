"""Hot SELECTs written once with SQLAlchemy Core and run straight on the driver's cursor.

SQLAlchemy's execution of an already-compiled statement costs 30–80 µs of CPU (an execution
context, the compiled cache lookup, the result metadata, the events), against 2–14 µs for the
driver's own execute and fetch; on the request path that is a good part of a call's budget.
``Prepared`` keeps the statement in SQLAlchemy — the columns, the joins, the types, one source for
both databases — compiles it once per dialect, and runs it on the connection's DBAPI cursor in
the connection's transaction, applying the columns' own bind and result processors (UTC
datetimes, enums, exact decimals), so a row reads exactly as Core would return it.

Kept from Core: a failing statement raises SQLAlchemy's wrapped exception (OperationalError for
a dropped connection, which also invalidates it), and ``before_cursor_execute`` listeners still
see every statement (the round-trip tests count them).
"""

from __future__ import annotations

import re
from collections import namedtuple
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from pydantic_core import from_json
from sqlalchemy import String, Table, insert, inspect
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import Select, sqltypes
from sqlalchemy.sql.functions import FunctionElement


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...] | None  # positional parameter order, or None for named
    binds: dict[str, Callable[[Any], Any]]
    defaults: dict[str, Any]  # the statement's own bound values (a LIMIT 1 in a subquery)
    columns: tuple[Any, ...]
    row: Any  # the namedtuple class of a row
    # psycopg: the statement with PostgreSQL's own $1 placeholders, run on a RawCursor. psycopg
    # otherwise parses a %(name)s statement on every execution, with no cache at all for one
    # longer than 4 KiB (getRfp's: ~6 % of the call's CPU).
    raw: bytes | None
    # The columns' result processors, made on the first execution: some need the driver's type
    # code of the column (PostgreSQL's NUMERIC), which only the cursor's description gives.
    results: list[tuple[Callable[[Any], Any] | None, ...]]


class Prepared:
    """One SELECT; ``rows(conn, **params)``, ``first(conn, **params)``."""

    def __init__(self, statement: Select[Any, *tuple[Any, ...]]) -> None:
        self.statement = statement
        self._by_dialect: dict[str, _Compiled] = {}

    def _compile(self, dialect: Dialect) -> _Compiled:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            compiled = self.statement.compile(dialect=dialect)
            names = tuple(compiled.positiontup or ()) if compiled.positional else None
            binds: dict[str, Callable[[Any], Any]] = {name: proc for name, proc in
                     (compiled._bind_processors or {}).items()
                     if callable(proc)}
            columns = tuple(self.statement.selected_columns)
            row = namedtuple("Row", [c.key for c in columns], rename=True)  # type: ignore[misc]
            given = {b.key for b in self.statement._get_embedded_bindparams()
                     if b.value is None and b.callable is None}
            defaults = {k: v for k, v in compiled.construct_params(_check=False).items()
                        if k not in given}
            sql, raw = str(compiled), None
            if names is None and dialect.driver == "psycopg":
                global _raw_cursor
                from psycopg import RawCursor

                _raw_cursor = RawCursor
                raw, names = _dollar_placeholders(sql)
            found = _Compiled(sql, names, binds, defaults, columns, row, raw, [])
            self._by_dialect[dialect.name] = found
        return found

    def rows(self, conn: Connection, **params: Any) -> list[Any]:
        c = self._compile(conn.dialect)
        values = {k: (c.binds[k](v) if k in c.binds else v)
                  for k, v in ({**c.defaults, **params} if c.defaults else params).items()}
        parameters: Any = tuple(values[n] for n in c.names) if c.names is not None else values
        # The description only once: psycopg builds a Column object per column on every read of
        # it (65 µs of a 130 µs token check on PostgreSQL).
        fetched, description = _on_cursor(conn, c.sql, parameters, fetch=True,
                                          describe=not c.results, raw=c.raw)
        if not c.results:
            c.results.append(tuple(result_processor(col.type, conn.dialect, d[1])
                                   for col, d in zip(c.columns, description, strict=True)))
        make, processors = c.row._make, c.results[0]
        if not any(processors):
            return [make(r) for r in fetched]
        return [make([p(v) if p else v for p, v in zip(processors, r, strict=True)])
                for r in fetched]

    def first(self, conn: Connection, **params: Any) -> Any | None:
        found = self.rows(conn, **params)
        return found[0] if found else None


def result_processor(type_: Any, dialect: Dialect, coltype: Any) -> Callable[[Any], Any] | None:
    """What Core applies to a value of this column read from the driver, in fewer Python calls
    where the result is the same: a type's own ``fast_result_processor`` (UTCDateTime: one
    function, not a TypeDecorator's chain of three), and for a string-stored Enum the lookup
    Core makes, as a bound ``dict.__getitem__`` (an unknown value raises KeyError, a
    LookupError as Core's does). A page of 50 RFPs reads 250 such values."""
    fast = getattr(type_, "fast_result_processor", None)
    if fast is not None:
        return fast(dialect, coltype)
    impl = type_.dialect_impl(dialect)
    if (type(impl) is sqltypes.Enum and not impl.native_enum
            and sqltypes.String.result_processor(impl, dialect, coltype) is None):
        return impl._object_lookup.__getitem__
    return type_._cached_result_processor(dialect, coltype)


# psycopg's RawCursor class, imported when a statement is first compiled for psycopg (a
# SQLite-only process never imports the driver).
_raw_cursor: Any = None


_PYFORMAT = re.compile(r"%\((\w+)\)s|%%|%")


def _dollar_placeholders(sql: str) -> tuple[bytes, tuple[str, ...]]:
    """A statement compiled for psycopg (``%(name)s``, a literal ``%`` doubled) with
    PostgreSQL's ``$n`` instead — one per name, in the order first used — and those names."""
    names: list[str] = []

    def placeholder(match: re.Match[str]) -> str:
        if match.group(0) == "%%":
            return "%"
        name = match.group(1)
        if name is None:
            raise ValueError(f"a lone % in a compiled statement: {sql[:200]}")
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    return _PYFORMAT.sub(placeholder, sql).encode(), tuple(names)


def _on_cursor(conn: Connection, sql: str, parameters: Any, *, many: bool = False,
               fetch: bool = False, describe: bool = False, raw: bytes | None = None
               ) -> tuple[Sequence[Any], Any]:
    """``sql`` on the connection's DBAPI cursor, in its transaction: ``before_cursor_execute``
    listeners see it, a failure is wrapped (and the connection invalidated on a disconnect) as
    Core would. (rows, the cursor's description if ``describe`` else None) when ``fetch``, else
    ([], None). ``raw``: the same statement with ``$n`` placeholders, run on psycopg's
    RawCursor (``parameters`` then in their order)."""
    if conn._has_events or conn.engine._has_events:
        conn.dispatch.before_cursor_execute(conn, None, sql, parameters, None, many)
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    cursor = dbapi.cursor() if raw is None else _raw_cursor(dbapi)
    try:
        if many:
            cursor.executemany(sql, parameters)
        else:
            cursor.execute(sql if raw is None else raw, parameters)
        if not fetch:
            return [], None
        return cursor.fetchall(), (cursor.description if describe else None)
    except Exception as exc:
        conn._handle_dbapi_exception(exc, sql, parameters, cursor, None)
        raise
    finally:
        cursor.close()


def run_driver_sql(conn: Connection, sql: str, parameters: Any = ()) -> None:
    """A statement that returns no rows (BEGIN IMMEDIATE, a settings SELECT, the request log's
    group on PostgreSQL), written for the driver — its parameter style — and run on its cursor
    as :class:`Prepared` runs its SELECTs: Core's own execution cost more than such a
    statement."""
    _on_cursor(conn, sql, parameters)


def run_outside_transaction(conn: Connection, sql: str, parameters: Any = ()) -> None:
    """:func:`run_driver_sql` with the driver in autocommit (PostgreSQL, on a connection outside
    any transaction): the statement is its own transaction, one round trip; the driver is back
    in the mode it was in afterwards (transactions, or the loop connection's autocommit),
    whether it succeeded or not."""
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    before = dbapi.autocommit
    dbapi.autocommit = True
    try:
        _on_cursor(conn, sql, parameters)
    finally:
        if not before and not dbapi.closed:
            dbapi.autocommit = False


class json_rows(FunctionElement[str]):
    """An aggregate: the group's rows as one JSON text, an array of ``[column, …]`` arrays, in
    no particular order (SQLite before 3.44 has no ORDER BY in an aggregate), or NULL (or
    ``[]``) when there are none. As a scalar subquery it puts a parent's few children in the
    parent's own row: one round trip, not two. Read it with :func:`json_rows_of`."""

    type = String()
    inherit_cache = True
    name = "json_rows"


@compiles(json_rows, "postgresql")
def _json_rows_postgresql(element: json_rows, compiler: Any, **kw: Any) -> str:
    return f"json_agg(json_build_array({compiler.process(element.clauses, **kw)}))::text"


@compiles(json_rows, "sqlite")
def _json_rows_sqlite(element: json_rows, compiler: Any, **kw: Any) -> str:
    return f"json_group_array(json_array({compiler.process(element.clauses, **kw)}))"


def json_rows_of(text: str | None) -> list[list[Any]]:
    """The rows of a :class:`json_rows` value, sorted (by their first column: an id)."""
    return sorted(from_json(text)) if text else []


class Record(SimpleNamespace):
    """One entity's columns from a prepared row, under the model's attribute names (what the
    answer builders read; no relationships, no lazy loads, no session)."""


def columns_of(entity: Any, name: str, only: tuple[str, ...] | None = None) -> list[Any]:
    """Every mapped column of ``entity`` (a model or an alias of one) — or those of ``only``
    (the id always) — labelled ``<name>__<attribute>`` for :func:`records`."""
    keys = [attr.key for attr in inspect(entity).mapper.column_attrs]
    if only is not None:
        unknown = set(only) - set(keys)
        if unknown:
            raise ValueError(f"{name} has no columns {sorted(unknown)}")
        keys = [k for k in keys if k == "id" or k in only]
    return [getattr(entity, key).label(f"{name}__{key}") for key in keys]


def records(row: Any, *names: str) -> dict[str, Record | None]:
    """The entities of a prepared row of :func:`columns_of` groups, by name; None for an entity
    an outer join did not find (its id is None)."""
    out: dict[str, Record | None] = {}
    for name, attrs, at, id_at in _layout(type(row), names):
        out[name] = (Record(**dict(zip(attrs, [row[i] for i in at], strict=True)))
                     if id_at is not None and row[id_at] is not None else None)
    return out


_Layout = list[tuple[str, tuple[str, ...], tuple[int, ...], int | None]]
_LAYOUTS: dict[tuple[type, tuple[str, ...]], _Layout] = {}


def _layout(row_type: type, names: tuple[str, ...]) -> _Layout:
    """Where each named entity's columns sit in a row of this type: worked out once per
    statement, not per row (splitting 160 column names per getRfp cost more than reading
    them)."""
    found = _LAYOUTS.get((row_type, names))
    if found is None:
        columns: dict[str, list[tuple[str, int]]] = {name: [] for name in names}
        fields: tuple[str, ...] = row_type._fields  # type: ignore[attr-defined]
        for index, key in enumerate(fields):
            name, sep, attr = key.partition("__")
            if sep and name in columns:
                columns[name].append((attr, index))
        found = []
        for name, pairs in columns.items():
            ids = [i for attr, i in pairs if attr == "id"]
            found.append((name, tuple(a for a, _ in pairs), tuple(i for _, i in pairs),
                          ids[0] if ids else None))
        _LAYOUTS[(row_type, names)] = found
    return found


class PreparedInsert:
    """An INSERT of many rows of the same keys (the request log's groups), compiled once per
    dialect and keys, run with the driver's executemany and the columns' bind processors."""

    def __init__(self, table: Table) -> None:
        self.table = table
        # Per dialect and keys: the SQL, and the positional parameters' order with each one's
        # bind processor (None for a named paramstyle: then the processors by name).
        self._by_key: dict[tuple[str, tuple[str, ...]], tuple[
            str, tuple[tuple[str, Callable[[Any], Any] | None], ...] | None,
            dict[str, Callable[[Any], Any]]]] = {}

    def run(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        keys = tuple(rows[0])
        found = self._by_key.get((conn.dialect.name, keys))
        if found is None:
            compiled = insert(self.table).compile(dialect=conn.dialect, column_keys=list(keys))
            binds: dict[str, Callable[[Any], Any]] = {
                name: proc for name, proc in (compiled._bind_processors or {}).items()
                if callable(proc)}
            order = (tuple((name, binds.get(name)) for name in compiled.positiontup or ())
                     if compiled.positional else None)
            found = (str(compiled), order, binds)
            self._by_key[(conn.dialect.name, keys)] = found
        sql, order, binds = found
        # Each row's tuple in one pass (a dict of processed values first, then the tuple, cost
        # twice as much: the request log's groups on SQLite).
        parameters: Any = (
            [tuple([r[n] if p is None else p(r[n]) for n, p in order]) for r in rows]
            if order is not None else
            [{k: (binds[k](v) if k in binds else v) for k, v in r.items()} for r in rows])
        _on_cursor(conn, sql, parameters, many=True)
