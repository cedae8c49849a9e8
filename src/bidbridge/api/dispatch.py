"""Turning declared functions into routes: method check, parsing, auth, validation, the
transaction, error rendering and the request log, in that order."""

from __future__ import annotations

import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio.to_thread
from pydantic import BaseModel, TypeAdapter
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bidbridge import loop_connection
from bidbridge.api import budget, idempotency, json_text, log_spool, log_writer, request_log
from bidbridge.api import params as param_checks
from bidbridge.api.call import Call, WriteNeeded
from bidbridge.api.declare import Api, Function, functions
from bidbridge.api.log_writer import Pending
from bidbridge.api.problem import dumps, problem_response
from bidbridge.api.request import CallRequest
from bidbridge.api.request_log import LogEntry
from bidbridge.db import READ_ONLY, outside_transactions
from bidbridge.errors import (
    AppError,
    MethodNotAllowed,
    NotFound,
    ServiceUnavailable,
    Unauthorized,
)
from bidbridge.models import CompanyKind
from bidbridge.security.redaction import mask
from bidbridge.services import tokens
from bidbridge.services.context import Actor, RequestContext
from bidbridge.services.runtime import Runtime
from bidbridge.services.tokens import Principal

log = logging.getLogger("bidbridge.api")

API_PREFIX: dict[Api, str] = {
    "subcontractor": "/rest/subcontractor/v1",
    "contractor": "/rest/contractor/v1",
}


def build_routes(api: Api) -> list[BaseRoute]:
    by_path: dict[str, dict[str, Function]] = defaultdict(dict)
    for fn in functions(api):
        if fn.method in by_path[fn.path]:
            other = by_path[fn.path][fn.method]
            raise ValueError(f"{fn.name} and {other.name} share {fn.method} {fn.path}")
        by_path[fn.path][fn.method] = fn
    prefix = API_PREFIX[api]
    routes: list[BaseRoute] = []
    # Static paths before templated ones, so /rfps/search never falls into /rfps/{rfpId}.
    for path in sorted(by_path, key=lambda p: (p.count("{"), p)):
        routes.append(Route(prefix + path, _endpoint(api, by_path[path]),
                            methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"],
                            name=f"{api}:{path}"))
    routes.append(Route(prefix + "/{rest:path}", _unknown(api),
                        methods=["GET", "POST", "PUT", "PATCH", "DELETE"]))
    return routes


_TARGET = "bidbridge_target"


def _endpoint(api: Api, by_method: dict[str, Function]) -> Any:
    async def endpoint(request: Request) -> Response:
        return await handle(CallRequest(request.scope, request.receive, request.app.state.runtime),
                            api, by_method)

    setattr(endpoint, _TARGET, (api, by_method))  # for the API front (api/front.py)
    return endpoint


def target_of(route: Route) -> tuple[Api, dict[str, Function]] | None:
    """(api, functions by method) of a route made by :func:`build_routes`, else None."""
    found: tuple[Api, dict[str, Function]] | None = getattr(route.endpoint, _TARGET, None)
    return found


def _unknown(api: Api) -> Any:
    async def endpoint(request: Request) -> Response:
        error = NotFound(f"There is no {api} API function at {mask(request.url.path)}. The function "
                         f"reference is at {API_PREFIX[api]}.", code="unknown_function")
        return problem_response(error, request.state.request_id)

    return endpoint


async def handle(request: CallRequest, api: Api, by_method: dict[str, Function]) -> Response:
    runtime = request.runtime
    started = time.perf_counter()
    request_id = request.request_id
    method = "GET" if request.method == "HEAD" else request.method
    fn = by_method.get(method)
    entry = LogEntry(api=api, function=None, method=request.method,
                     path=mask(request.path),
                     template={k: mask(v) if isinstance(v, str) else v
                               for k, v in request.path_params.items()})
    if fn is None:
        names = " or ".join(f"{f.method} (function {f.name})" for f in by_method.values())
        error: AppError = MethodNotAllowed(
            f"{request.method} is not accepted at {request.path}; call it with {names}.",
            data={"allowedMethods": sorted(by_method)},
            headers={"Allow": ", ".join(sorted(by_method))})
        response = problem_response(error, request_id)
        await log_writer.of(runtime).commit(_pending(runtime, request, entry,
                                                     response.status_code, error.code, started))
        return response
    entry.function = fn.name
    request.scope["state"]["api_function"] = fn.name  # for the metrics (observability/metrics.py)
    try:
        query, url_query = await _read_parameters(request, fn, runtime)
        entry.query = request_log.loggable(fn, query)
    except AppError as exc:
        response = problem_response(exc, request_id)
        await log_writer.of(runtime).commit(_pending(runtime, request, entry, exc.status,
                                                     exc.code, started))
        return response
    token = request.token
    reading = fn.read_only or fn.read_first
    try:
        if fn.light:  # on the loop: no hand-over to a worker thread
            response, pending = _run(runtime, request, fn, entry, token, query, url_query,
                                     started, reading)
        else:
            _cap_threads(runtime)
            response, pending = await anyio.to_thread.run_sync(
                _run, runtime, request, fn, entry, token, query, url_query, started, reading)
    except WriteNeeded:  # a read_first call that must write: again from the start, writing
        _cap_threads(runtime)
        response, pending = await anyio.to_thread.run_sync(
            _run, runtime, request, fn, entry, token, query, url_query, started, False)
    if pending is not None:
        await log_writer.of(runtime).commit(pending)
    return response


def thread_cap(runtime: Runtime) -> int | None:
    """How many worker threads this process may run at once: two connections fewer than its
    pool holds, so threads can never take every connection — a light call checks its connection
    out on the event loop, and must not wait there (stalling every call) for one; the log writer
    takes the other. None for a pool without a limit."""
    cap = runtime.extras.get("thread_cap", False)
    if cap is False:
        pool = runtime.engine.pool
        size = getattr(pool, "size", None)
        overflow = getattr(pool, "_max_overflow", None)
        cap = (max(1, size() + overflow - 2)
               if callable(size) and isinstance(overflow, int) and overflow >= 0 else None)
        runtime.extras["thread_cap"] = cap
    return cap if isinstance(cap, int) else None


def _cap_threads(runtime: Runtime) -> None:
    cap = thread_cap(runtime)
    if cap is not None:
        limiter = anyio.to_thread.current_default_thread_limiter()  # one per event loop
        if limiter.total_tokens > cap:
            limiter.total_tokens = cap


async def _read_parameters(
    request: CallRequest, fn: Function, runtime: Runtime
) -> tuple[dict[str, Any], dict[str, Any]]:
    url_query: dict[str, Any] = {}
    for key, value in request.query_items():
        url_query.setdefault(key, value)
    if fn.method == "GET":
        return {}, url_query
    content_type = request.content_type.split(";")[0].strip().lower()
    if content_type == "application/json":
        raw = await request.body()
        if not raw.strip():
            return {}, url_query
        try:
            body = json_text.loads(raw)
        except json_text.JsonRefused as exc:
            place = f" (at {mask(exc.where)})" if exc.where else ""
            raise AppError(f"The request body is not JSON we accept: {exc.reason}{place}. Send a "
                           "JSON object of parameters, or a form-encoded body.",
                           code="malformed_body", status=400) from exc
        if not isinstance(body, dict):
            raise AppError("The JSON body must be an object of parameter names to values.",
                           code="malformed_body", status=400)
        return body, url_query
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            form = await request.form(max_files=50, max_fields=1000,
                                      max_part_size=runtime.settings.max_upload_bytes)
        except StarletteHTTPException as exc:  # a broken multipart body (found by fuzzing)
            raise AppError(f"The {content_type} body could not be read: {exc.detail}. Send a "
                           "well-formed body with the boundary named in Content-Type.",
                           code="malformed_body", status=400) from exc
        values: dict[str, Any] = {}
        for key, item in form.multi_items():
            if key in values:
                previous = values[key]
                values[key] = [*previous, item] if isinstance(previous, list) else [previous, item]
            else:
                values[key] = item
        return values, url_query
    if content_type == "" and not (await request.body()):
        return {}, url_query
    raise AppError(f"Content-Type {content_type!r} is not accepted. Send query parameters as "
                   "application/x-www-form-urlencoded, multipart/form-data (with files) or "
                   "application/json.", code="unsupported_media_type", status=415)


@dataclass
class _Progress:
    """What a call gathered before it ended, for its answer and its log row."""

    limit_headers: dict[str, str] = field(default_factory=dict)
    claim: idempotency.Claim | None = None
    bookkeeping: list[Callable[[Session], object]] = field(default_factory=list)


class _Unit:
    """The call's connection, whose transactions the dispatcher owns, and an ORM session on it
    made only when something needs the ORM: the token check, getMe, getRfps and the log row are
    Core statements on the connection, and a session's own transaction bookkeeping cost more than
    the statements themselves. A session made joins the connection's open transaction
    (``rollback_only``: it never commits it; the dispatcher flushes it before the commit)."""

    def __init__(self, conn: Connection, runtime: Runtime) -> None:
        self.conn = conn
        self.runtime = runtime
        self._session: Session | None = None

    def session(self) -> Session:
        if self._session is None:
            self._session = self.runtime.sessions(bind=self.conn,
                                                  join_transaction_mode="rollback_only")
        return self._session

    def flush(self) -> None:
        """Before the connection's commit: the session's pending changes go into it."""
        if self._session is not None:
            self._session.flush()

    def refuse_changes(self, fn: Function) -> None:
        """A read-only call runs without a database transaction: a change it made to loaded
        objects would commit statement by statement, so it is a bug, refused whole."""
        session = self._session
        if session is not None and (session.new or session.dirty or session.deleted):
            raise RuntimeError(f"read-only function {fn.name} changed objects; make the write "
                               "with Call.after_read")

    def settle(self) -> None:
        """After the connection's commit: the session's transaction ends too (nothing is left
        to flush), its objects stay loaded for what follows on this connection."""
        if self._session is not None:
            self._session.commit()

    def discard(self) -> None:
        """After a rollback: the session and what it loaded are dropped."""
        if self._session is not None:
            self._session.close()
            self._session = None


def _run(
    runtime: Runtime,
    request: CallRequest,
    fn: Function,
    entry: LogEntry,
    token: str | None,
    query: dict[str, Any],
    url_query: dict[str, Any],
    started: float,
    reading: bool,
) -> tuple[Response, Pending | None]:
    """The call on one connection. A change commits with its log row in one transaction; a call
    that changed nothing (a read, a refusal) hands its row back as ``Pending`` for the log
    writer's next group (api/log_writer.py), which the answer waits for. ``reading``: without
    a database transaction; a read_first function's ``WriteNeeded`` passes out, for the caller
    to run it again writing."""
    request_id = request.request_id
    # A light call runs on the event loop: on the loop thread's held connection.
    connect = loop_connection.connection if fn.light and reading else Engine.connect
    try:
        with connect(runtime.engine) as conn:
            if reading:
                conn.info[READ_ONLY] = True  # no database transaction: see bidbridge/db.py
            unit = _Unit(conn, runtime)
            try:
                return _on_connection(unit, runtime, request, fn, entry, token, query,
                                      url_query, started, reading=reading)
            finally:
                unit.discard()
    except PoolTimeout:
        # Every database connection of this process stayed busy for the pool timeout: answer
        # at once rather than queue without bound; the change (if any) was rolled back.
        log.warning("no database connection free for %s (request %s)", fn.name, request_id)
        error: AppError = ServiceUnavailable(
            "The platform is busy right now; nothing was changed. Retry after the number of "
            "seconds in Retry-After.", headers={"Retry-After": "1"}, data={"retryAfter": 1})
        values = request_log.row(runtime, request, entry, error.status, error.code, started)
        request_log.write_alone(runtime, values, reserved=True)  # the database is up, only busy
    except OperationalError as exc:  # the connection could not be made or was dropped
        log.warning("database unavailable during %s: %s", fn.name, exc.__class__.__name__)
        error = _database_unavailable()
        # Not another attempt on a database that just failed: the answer must not wait for it.
        request_log.spool(runtime, request_log.row(runtime, request, entry, error.status,
                                                   error.code, started))
    return problem_response(error, request_id), None


def _database_unavailable() -> AppError:
    return ServiceUnavailable("The database is briefly unavailable. Retry after the number of "
                              "seconds in Retry-After.", headers={"Retry-After": "2"},
                              data={"retryAfter": 2})


_NO_TRANSACTION = contextlib.nullcontext()


def _on_connection(
    unit: _Unit, runtime: Runtime, request: CallRequest, fn: Function, entry: LogEntry,
    token: str | None, query: dict[str, Any], url_query: dict[str, Any], started: float, *,
    reading: bool,
) -> tuple[Response, Pending | None]:
    progress = _Progress()
    conn = unit.conn
    pending: Pending | None = None
    # A light read on the loop's connection: its statements in the driver's autocommit and no
    # SQLAlchemy transaction around them (its begin and commit cost more than getMe's own work).
    bare = reading and fn.light
    if bare:
        outside_transactions(conn)
    try:
        with _NO_TRANSACTION if bare else conn.begin():
            response = _work(unit, runtime, request, fn, entry, token, query, url_query,
                             progress, reading)
            if reading:
                unit.refuse_changes(fn)
                pending = _pending(runtime, request, entry, response.status_code, None,
                                   started, progress.bookkeeping)
            else:
                unit.flush()
                request_log.add(conn, request_log.row(runtime, request, entry,
                                                      response.status_code, None, started),
                                entry)
        unit.settle()
    except AppError as exc:
        unit.discard()
        response = problem_response(exc, request.request_id)
        if exc.subject is not None:
            entry.identify(*exc.subject)
        pending = _log_refusal(unit, runtime, request, entry, response, exc.code, started,
                               progress.claim)
    except WriteNeeded:
        if not (reading and fn.read_first):
            raise RuntimeError(f"{fn.name} asked to write but is not read_first") from None
        raise
    except OperationalError as exc:
        unit.discard()
        log.warning("database unavailable during %s: %s", fn.name, exc.__class__.__name__)
        error = _database_unavailable()
        response = problem_response(error, request.request_id)
        request_log.spool(runtime, request_log.row(runtime, request, entry, error.status,
                                                   error.code, started))
    except Exception:
        unit.discard()
        request_id = request.request_id
        log.exception("unexpected error in %s (request %s)", fn.name, request_id)
        error = AppError("An unexpected error happened on our side; nothing was changed. Quote "
                         f"request id {request_id} to support.", code="internal_error",
                         status=500)
        error.title = "Internal server error"
        response = problem_response(error, request_id)
        pending = _log_refusal(unit, runtime, request, entry, response, error.code, started,
                               None)
    else:
        if not reading:
            _after_commit(unit, runtime, progress)
    if progress.limit_headers:  # (none with rate limits off; the headers object costs)
        response.headers.update(progress.limit_headers)
    return response, pending


def _pending(runtime: Runtime, request: CallRequest, entry: LogEntry, status: int,
             code: str | None, started: float,
             bookkeeping: list[Callable[[Session], object]] | None = None) -> Pending:
    return Pending(values=request_log.row(runtime, request, entry, status, code, started),
                   touch_key_id=entry.touch_key_id, bookkeeping=bookkeeping or [])


def _work(
    unit: _Unit, runtime: Runtime, request: CallRequest, fn: Function, entry: LogEntry,
    token: str | None, query: dict[str, Any], url_query: dict[str, Any], progress: _Progress,
    reading: bool,
) -> Response:
    """Authentication, the budget, the idempotency key and the handler, in the open transaction."""
    request_id = request.request_id
    ctx = RequestContext(actor=Actor.system("anonymous"), clock=runtime.clock,
                         request_id=request_id, client_ip=request.client_ip,
                         user_agent=request.user_agent)
    idempotency_key = idempotency.read_key(fn, request.headers)
    principal = None
    if fn.authenticated:
        principal = _authenticate(unit.conn, runtime, ctx, fn, token, progress)
        entry.identify(principal.company_id, principal.contact_id, principal.contact_name)
        entry.touch_key_id = principal.api_key_id if principal.touch_key else None
        ctx = ctx.acting_as(principal.actor)
        progress.limit_headers = budget.spend(runtime, ctx, principal)
    if idempotency_key is not None and principal is not None:
        pending = idempotency.Claim(
            company_id=principal.company_id, api=fn.api, function=fn.name,
            key=idempotency_key, request_id=request_id, now=ctx.now(),
            request_hash=idempotency.request_hash(fn, dict(request.path_params), query,
                                                  url_query))
        replay = idempotency.claim(unit.session(), pending)
        if replay is not None:
            return replay
        progress.claim = pending  # the key is ours: its row commits with the change
    values = param_checks.validate(fn, dict(request.path_params), query, url_query)
    call = Call(function=fn, open_session=unit.session, ctx=ctx, runtime=runtime,
                headers=request.headers, principal_or_none=principal, log=entry,
                bookkeeping=progress.bookkeeping, conn=unit.conn, reading=reading)
    result = fn.handler(call, fn.input.of(values))
    response = render(fn, result)
    if progress.claim is not None:
        idempotency.complete(unit.session(), progress.claim, response)
    return response


def _authenticate(conn: Connection, runtime: Runtime, ctx: RequestContext, fn: Function,
                  token: str | None, progress: _Progress) -> Principal:
    """The token's principal; a 401 counts against the caller address's budget and carries its
    RateLimit headers (429 once that budget is spent)."""
    try:
        if not token:
            raise Unauthorized(
                "This function needs the header X-Auth-Token. Get a token with getToken "
                f"(POST {API_PREFIX[fn.api]}/tokens) and send it on every call.",
                code="token_missing")
        return tokens.authenticate(conn, ctx.now(), token, CompanyKind(fn.api))
    except Unauthorized as exc:
        progress.limit_headers = budget.spend_address(runtime, ctx, exc)
        raise


def _log_refusal(unit: _Unit, runtime: Runtime, request: CallRequest, entry: LogEntry,
                 response: Response, code: str | None, started: float,
                 claim: idempotency.Claim | None) -> Pending | None:
    """The refused call's row: to the log writer — or, when its idempotency key stores the
    refusal, with that in one short transaction on the call's connection (into the spool if
    that fails)."""
    if claim is None:
        return _pending(runtime, request, entry, response.status_code, code, started)
    values = request_log.row(runtime, request, entry, response.status_code, code, started)
    if not unit.conn.invalidated:  # (a light read's flag, unused) this one must be a transaction
        unit.conn.info.pop(READ_ONLY, None)
    try:
        with unit.conn.begin():
            idempotency.store_refusal(unit.session(), claim, response)
            unit.flush()
            request_log.add(unit.conn, values, entry)
        unit.settle()
    except SQLAlchemyError as exc:
        unit.discard()
        log.warning("could not log refused call %s on its connection (%s)",
                    values["request_id"], exc.__class__.__name__)
        request_log.spool(runtime, values)
    return None


def _after_commit(unit: _Unit, runtime: Runtime, progress: _Progress) -> None:
    """Housekeeping on the call's connection once its answer is safe: expired idempotency keys,
    and request-log rows spooled while the database was unreachable (each in a transaction of
    the session's own)."""
    try:
        if progress.claim is not None:
            idempotency.purge_expired(runtime, unit.session())
        if log_spool.due(runtime.settings.data_dir):
            log_spool.drain(unit.session(), runtime.settings.data_dir)
    except (SQLAlchemyError, OSError) as exc:
        log.warning("housekeeping after a call failed (%s); it runs again later",
                    exc.__class__.__name__)


def render(fn: Function, result: Any) -> Response:
    if isinstance(result, Response):
        return result
    if isinstance(result, bytes):  # already its JSON (getRfp: see rfp_models.rfp_answer)
        body = result
    elif isinstance(result, BaseModel):
        body = result.model_dump_json(by_alias=True).encode()
    elif isinstance(fn.response, TypeAdapter):
        body = fn.response.dump_json(result, by_alias=True)
    else:
        body = dumps(result)
    return Response(body, status_code=fn.status, media_type="application/json")
