"""create_app(settings): the API routes, the web pages, middleware and error rendering."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from bidbridge.api import contractor as _contractor  # noqa: F401  (registers functions)
from bidbridge.api import request_log
from bidbridge.api import subcontractor as _subcontractor  # noqa: F401
from bidbridge.api.dispatch import API_PREFIX, build_routes
from bidbridge.api.docs import asset_routes, docs_routes
from bidbridge.api.front import ApiFront
from bidbridge.api.problem import dumps, problem_body
from bidbridge.clock import Clock
from bidbridge.config import Settings
from bidbridge.middleware.body_limits import BodyLimitMiddleware, BodyLimits, OnRefused
from bidbridge.middleware.edge import EdgeMiddleware
from bidbridge.observability.health import health_routes
from bidbridge.observability.logs import install_json_logging
from bidbridge.observability.metrics import metrics_routes
from bidbridge.security.redaction import install_log_filter
from bidbridge.services.runtime import Runtime


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


class Platform(FastAPI):
    """The app: API calls of declared functions take the API's own short chain (api/front.py),
    everything else FastAPI's full stack."""

    api_front: ApiFront | None = None
    api_chain: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        front = self.api_front
        if (scope["type"] == "http" and front is not None and self.api_chain is not None
                and front.match(scope)):
            scope["app"] = self
            await self.api_chain(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def create_app(settings: Settings | None = None, *, clock: Clock | None = None,
               runtime: Runtime | None = None) -> Platform:
    settings = settings or Settings()
    runtime = runtime or Runtime.create(settings, clock)
    app = Platform(title="bidbridge", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.runtime = runtime
    # uvicorn logs every request line; a token pasted into a URL must not land in that log.
    install_log_filter("uvicorn.access", "uvicorn.error")
    if settings.log_json:
        install_json_logging("bidbridge")
    app.router.routes.extend(health_routes())
    app.router.routes.extend(metrics_routes())
    app.router.routes.extend(asset_routes())
    api_routes: list[BaseRoute] = []
    for api in ("subcontractor", "contractor"):
        # Documentation first: the API's catch-all route would answer its paths.
        app.router.routes.extend(docs_routes(api))
        routes = build_routes(api)
        app.router.routes.extend(routes)
        api_routes.extend(routes)

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

    # Added innermost first: the edge wraps everything, so even a 413 carries X-Request-Id.
    # The API's own chain (api/front.py) has the same layers around the dispatcher.
    front = ApiFront(api_routes, runtime)
    app.api_front = front
    app.api_chain = front.call
    for layer, options in _layers(settings, runtime):
        app.add_middleware(layer, **options)
        app.api_chain = layer(app.api_chain, **options)
    return app


def _layers(settings: Settings, runtime: Runtime) -> list[tuple[Any, dict[str, Any]]]:
    """The middleware, innermost first."""
    layers: list[tuple[Any, dict[str, Any]]] = []
    if settings.cors_origins:
        layers.append((CORSMiddleware, {
            "allow_origins": settings.cors_origins, "allow_methods": ["GET", "POST"],
            "allow_headers": ["X-Auth-Token", "Content-Type", "Idempotency-Key", "X-Request-Id"],
            "expose_headers": ["X-Request-Id", "RateLimit", "RateLimit-Policy", "Retry-After"]}))
    layers.append((BodyLimitMiddleware, {
        "limits": BodyLimits(json=settings.max_json_body_bytes, form=settings.max_form_body_bytes,
                             multipart=settings.max_multipart_body_bytes),
        "on_refused": _api_refusal_logger(runtime)}))
    # The request id, security headers and metrics in one layer (middleware/edge.py); one
    # instance per chain (each samples the pool gauge on its own schedule).
    layers.append((EdgeMiddleware, {"hsts": settings.secure_cookies, "engine": runtime.engine}))
    return layers
