"""create_app(settings): the API routes, the web pages, middleware and error rendering."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from fastapi import FastAPI
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bidbridge.api import contractor as _contractor  # noqa: F401  (registers functions)
from bidbridge.api import request_log
from bidbridge.api import subcontractor as _subcontractor  # noqa: F401
from bidbridge.api.dispatch import API_PREFIX, build_routes
from bidbridge.api.docs import asset_routes, docs_routes
from bidbridge.api.problem import dumps, problem_body
from bidbridge.clock import Clock
from bidbridge.config import Settings
from bidbridge.middleware.body_limits import BodyLimitMiddleware, BodyLimits, OnRefused
from bidbridge.middleware.headers import SecurityHeadersMiddleware
from bidbridge.observability.health import health_routes
from bidbridge.observability.logs import install_json_logging, request_id_var
from bidbridge.observability.metrics import MetricsMiddleware, metrics_routes
from bidbridge.security.redaction import install_log_filter
from bidbridge.services.runtime import Runtime

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Every response carries X-Request-Id: the caller's, when it sent a sane one, else ours."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                given = value.decode("latin-1")
                break
        request_id = given if given and _REQUEST_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        header = (b"x-request-id", request_id.encode())
        reset = request_id_var.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id_var.reset(reset)


def _api_refusal_logger(runtime: Runtime) -> OnRefused:
    """A call the middleware refused is still an API call: it gets its request-log row."""

    async def log_refusal(scope: Scope, started: float, status: int, code: str) -> None:
        path: str = scope.get("path", "")
        for api, prefix in API_PREFIX.items():
            if path == prefix or path.startswith(prefix + "/"):
                await request_log.log_refused_before_dispatch(runtime, api, scope, started,
                                                              status, code)
                return

    return log_refusal


def create_app(settings: Settings | None = None, *, clock: Clock | None = None,
               runtime: Runtime | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = runtime or Runtime.create(settings, clock)
    app = FastAPI(title="bidbridge", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.runtime = runtime
    # uvicorn logs every request line; a token pasted into a URL must not land in that log.
    install_log_filter("uvicorn.access", "uvicorn.error")
    if settings.log_json:
        install_json_logging("bidbridge")
    app.router.routes.extend(health_routes())
    app.router.routes.extend(metrics_routes())
    app.router.routes.extend(asset_routes())
    for api in ("subcontractor", "contractor"):
        # Documentation first: the API's catch-all route would answer its paths.
        app.router.routes.extend(docs_routes(api))
        app.router.routes.extend(build_routes(api))

    from bidbridge.web import register_web

    register_web(app, runtime)
    static = Path(__file__).parent / "web" / "static"
    app.mount("/static", StaticFiles(directory=static), name="static")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        accepts_html = "text/html" in request.headers.get("accept", "")
        if accepts_html and not request.url.path.startswith("/rest/"):
            from bidbridge.web.pages import error_page

            return error_page(request, exc.status_code, str(exc.detail))
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        body = problem_body(exc.status_code, code, str(exc.detail), str(exc.detail))
        return Response(dumps(body), status_code=exc.status_code,
                        media_type="application/problem+json")

    # Added innermost first: RequestId wraps everything, so even a 413 carries X-Request-Id.
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["GET", "POST"],
                           allow_headers=["X-Auth-Token", "Content-Type", "Idempotency-Key",
                                          "X-Request-Id"],
                           expose_headers=["X-Request-Id", "RateLimit", "RateLimit-Policy",
                                           "Retry-After"])
    app.add_middleware(BodyLimitMiddleware, limits=BodyLimits(
        json=settings.max_json_body_bytes, form=settings.max_form_body_bytes,
        multipart=settings.max_multipart_body_bytes), on_refused=_api_refusal_logger(runtime))
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.secure_cookies)
    app.add_middleware(MetricsMiddleware, engine=runtime.engine)
    app.add_middleware(RequestIdMiddleware)
    return app
