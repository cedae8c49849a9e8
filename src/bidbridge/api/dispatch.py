"""Turning declared functions into routes: method check, parsing, auth, validation, the
transaction, error rendering and the request log, in that order."""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from typing import Any

import anyio.to_thread
from pydantic import BaseModel, TypeAdapter
from sqlalchemy import text
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bidbridge.api import idempotency, json_text
from bidbridge.api import params as param_checks
from bidbridge.api.call import Call
from bidbridge.api.declare import Api, Function, functions
from bidbridge.api.problem import dumps, problem_response
from bidbridge.errors import (
    AppError,
    MethodNotAllowed,
    NotFound,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
)
from bidbridge.models import ApiRequest, CompanyKind
from bidbridge.security.redaction import mask
from bidbridge.services import rate_limit, tokens
from bidbridge.services.context import Actor, RequestContext
from bidbridge.services.runtime import Runtime
from bidbridge.services.tokens import Principal

log = logging.getLogger("bidbridge.api")

API_PREFIX: dict[Api, str] = {
    "subcontractor": "/rest/subcontractor/v1",
    "contractor": "/rest/contractor/v1",
}
MAX_LOGGED_VALUE = 500


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


def _endpoint(api: Api, by_method: dict[str, Function]) -> Any:
    async def endpoint(request: Request) -> Response:
        return await handle(request, api, by_method)

    return endpoint


def _unknown(api: Api) -> Any:
    async def endpoint(request: Request) -> Response:
        error = NotFound(f"There is no {api} API function at {mask(request.url.path)}. The function "
                         f"reference is at {API_PREFIX[api]}.", code="unknown_function")
        return problem_response(error, request.state.request_id)

    return endpoint


async def handle(request: Request, api: Api, by_method: dict[str, Function]) -> Response:
    runtime: Runtime = request.app.state.runtime
    started = time.perf_counter()
    request_id: str = request.state.request_id
    method = "GET" if request.method == "HEAD" else request.method
    fn = by_method.get(method)
    entry = _LogEntry(api=api, function=None, method=request.method,
                      path=mask(request.url.path))
    entry.template = {k: mask(v) if isinstance(v, str) else v
                      for k, v in request.path_params.items()}
    if fn is None:
        names = " or ".join(f"{f.method} (function {f.name})" for f in by_method.values())
        error: AppError = MethodNotAllowed(
            f"{request.method} is not accepted at {request.url.path}; call it with {names}.",
            data={"allowedMethods": sorted(by_method)},
            headers={"Allow": ", ".join(sorted(by_method))})
        response = problem_response(error, request_id)
        await anyio.to_thread.run_sync(_write_log, runtime, request, entry, response.status_code,
                                       error.code, started)
        return response
    entry.function = fn.name
    request.state.api_function = fn.name  # read by the metrics (observability/metrics.py)
    try:
        query, url_query = await _read_parameters(request, fn, runtime)
        entry.query = _loggable(fn, query)
    except AppError as exc:
        response = problem_response(exc, request_id)
        await anyio.to_thread.run_sync(_write_log, runtime, request, entry, exc.status, exc.code,
                                       started)
        return response
    token = request.headers.get("x-auth-token")
    return await anyio.to_thread.run_sync(
        _run, runtime, request, fn, entry, token, query, url_query, started
    )


async def _read_parameters(
    request: Request, fn: Function, runtime: Runtime
) -> tuple[dict[str, Any], dict[str, Any]]:
    url_query: dict[str, Any] = {}
    for key, value in request.query_params.multi_items():
        url_query.setdefault(key, value)
    if fn.method == "GET":
        return {}, url_query
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
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


class _LogEntry:
    def __init__(self, api: Api, function: str | None, method: str, path: str) -> None:
        self.api = api
        self.function = function
        self.method = method
        self.path = path
        self.template: dict[str, Any] = {}
        self.query: dict[str, Any] = {}
        self.company_id: int | None = None
        self.contact_id: int | None = None
        self.contact_name: str | None = None


def _loggable(fn: Function, query: dict[str, Any]) -> dict[str, Any]:
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
            text = mask(value if isinstance(value, str) else dumps(value).decode())
            out[key] = text if len(text) <= MAX_LOGGED_VALUE else text[:MAX_LOGGED_VALUE] + "…"
    return out


def _run(
    runtime: Runtime,
    request: Request,
    fn: Function,
    entry: _LogEntry,
    token: str | None,
    query: dict[str, Any],
    url_query: dict[str, Any],
    started: float,
) -> Response:
    request_id: str = request.state.request_id
    client_ip = request.client.host if request.client else None
    ctx = RequestContext(actor=Actor.system("anonymous"), clock=runtime.clock,
                         request_id=request_id, client_ip=client_ip,
                         user_agent=request.headers.get("user-agent"))
    call: Call | None = None
    claim: idempotency.Claim | None = None
    limit_headers: dict[str, str] = {}
    try:
        idempotency_key = idempotency.read_key(fn, request.headers)
        with runtime.sessions() as session, session.begin():
            principal = None
            if fn.authenticated:
                if not token:
                    raise Unauthorized(
                        "This function needs the header X-Auth-Token. Get a token with getToken "
                        f"(POST {API_PREFIX[fn.api]}/tokens) and send it on every call.",
                        code="token_missing")
                principal = tokens.authenticate(session, ctx.now(), token, CompanyKind(fn.api))
                entry.company_id = principal.company_id
                entry.contact_id = principal.contact_id
                entry.contact_name = principal.contact_name
                ctx = ctx.acting_as(principal.actor)
                limit_headers = _spend_budget(runtime, ctx, principal)
            replay: Response | None = None
            if idempotency_key is not None and principal is not None:
                pending = idempotency.Claim(
                    company_id=principal.company_id, api=fn.api, function=fn.name,
                    key=idempotency_key, request_id=request_id, now=ctx.now(),
                    request_hash=idempotency.request_hash(fn, dict(request.path_params), query,
                                                          url_query))
                replay = idempotency.claim(session, pending)
                if replay is None:  # the key is ours: its row commits with the change
                    claim = pending
            if replay is not None:
                response = replay
            else:
                values = param_checks.validate(fn, dict(request.path_params), query, url_query)
                call = Call(function=fn, values=values, session=session, ctx=ctx,
                            runtime=runtime, headers=request.headers,
                            principal_or_none=principal)
                result = fn.handler(call)
                response = render(fn, result)
                if claim is not None:
                    idempotency.complete(session, claim, response)
        status, code = response.status_code, None
    except AppError as exc:
        response = problem_response(exc, request_id)
        status, code = exc.status, exc.code
        if exc.subject is not None:
            entry.company_id, entry.contact_id, entry.contact_name = exc.subject
        if claim is not None:
            idempotency.store_refusal(runtime, claim, response)
    except OperationalError as exc:
        log.warning("database unavailable during %s: %s", fn.name, exc.__class__.__name__)
        error: AppError = ServiceUnavailable("The database is briefly unavailable. Retry after the "
                                   "number of seconds in Retry-After.",
                                   headers={"Retry-After": "2"}, data={"retryAfter": 2})
        response = problem_response(error, request_id)
        status, code = error.status, error.code
    except PoolTimeout:
        # Every database connection of this process stayed busy for the pool timeout: answer
        # at once rather than queue without bound; the change (if any) was rolled back.
        log.warning("no database connection free for %s (request %s)", fn.name, request_id)
        error = ServiceUnavailable("The platform is busy right now; nothing was changed. Retry "
                                   "after the number of seconds in Retry-After.",
                                   headers={"Retry-After": "1"}, data={"retryAfter": 1})
        response = problem_response(error, request_id)
        status, code = error.status, error.code
    except Exception:
        log.exception("unexpected error in %s (request %s)", fn.name, request_id)
        error = AppError("An unexpected error happened on our side; nothing was changed. Quote "
                         f"request id {request_id} to support.", code="internal_error",
                         status=500)
        error.title = "Internal server error"
        response = problem_response(error, request_id)
        status, code = error.status, error.code
    response.headers.update(limit_headers)
    if claim is not None:
        idempotency.purge_expired(runtime)
    if call is not None and call.log_contact_id is not None:
        entry.company_id = call.log_company_id
        entry.contact_id = call.log_contact_id
        entry.contact_name = call.log_contact_name
    _write_log(runtime, request, entry, status, code, started)
    return response


def _spend_budget(runtime: Runtime, ctx: RequestContext, principal: Principal) -> dict[str, str]:
    """Count the call against its token's and company's budgets; 429 once one is spent."""
    limiter = runtime.rate_limiter
    if limiter is None:
        return {}
    usages = limiter.hit(ctx.now(), {"token": str(principal.token_id),
                                     "company": str(principal.company_id)})
    headers = rate_limit.headers(usages)
    spent = [u for u in usages if u.exceeded]
    if spent:
        wait = max(u.reset for u in spent)
        names = " and ".join(f"the {u.policy.name} budget of {u.policy.quota} requests per "
                             f"{u.policy.window} s" for u in spent)
        error = TooManyRequests(f"Too many requests: {names} is used up. Retry after {wait} "
                                "seconds (Retry-After); the RateLimit header shows what is left.",
                                retry_after=wait, code="rate_limited")
        error.headers.update(headers)
        error.data["policies"] = [u.policy.name for u in spent]
        raise error
    return headers


def render(fn: Function, result: Any) -> Response:
    if isinstance(result, Response):
        return result
    if isinstance(result, BaseModel):
        body = result.model_dump_json(by_alias=True).encode()
    elif isinstance(fn.response, TypeAdapter):
        body = fn.response.dump_json(result, by_alias=True)
    else:
        body = dumps(result)
    return Response(body, status_code=fn.status, media_type="application/json")


def _write_log(
    runtime: Runtime, request: Request, entry: _LogEntry, status: int, code: str | None,
    started: float,
) -> None:
    """One row per call, in its own short transaction: a refused call is logged too."""
    row = ApiRequest(
        occurred_at=runtime.clock.now(), request_id=request.state.request_id, api=entry.api,
        function=entry.function, method=entry.method, path=entry.path[:500],
        company_id=entry.company_id, contact_id=entry.contact_id,
        contact_name=entry.contact_name, template_params=entry.template,
        query_params=entry.query, status=status, error_code=code,
        duration_ms=round((time.perf_counter() - started) * 1000, 3),
        client_ip=request.client.host if request.client else None,
        user_agent=(request.headers.get("user-agent") or "")[:500] or None,
    )
    try:
        with runtime.sessions() as session, session.begin():
            if session.bind is not None and session.bind.dialect.name == "postgresql":
                # A log row need not wait for its own disk flush: after a crash at most the last
                # few hundred milliseconds of log rows (wal_writer_delay × 3) can be missing, while
                # every domain change and its audit event still commit synchronously.
                session.execute(text("SET LOCAL synchronous_commit TO OFF"))
            session.add(row)
    except SQLAlchemyError:  # the log row is best effort; the caller still gets its answer
        log.exception("could not write the request log row for %s", entry.path)
