"""API calls enter beside the web app's stack, not through it.

Every request to the FastAPI app walks its layers: FastAPI's and Starlette's entry, the server
error catcher, FastAPI's exception telemetry and body-size layer, our middleware, the exception
middleware, the router's walk over every route (health, metrics, assets, documentation, then the
API's) and the route's own request/exception wrapper — none of which an API call uses: the
dispatcher renders its own errors. ``ApiFront`` indexes the API routes by their API and first
path segment; :class:`bidbridge.app.Platform` asks it first, and a call it knows goes through
the API's own short chain — the edge (request id, headers, metrics), the body limits, CORS when
configured — straight to ``dispatch.handle``. Anything else (documentation, the web, an unknown
path or method) takes the app's full stack unchanged.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

from starlette.routing import BaseRoute, Match, Route, get_route_path
from starlette.types import Receive, Scope, Send

from bidbridge.api import dispatch
from bidbridge.api.dispatch import API_PREFIX
from bidbridge.api.problem import dumps, problem_body
from bidbridge.api.request import CallRequest
from bidbridge.services.runtime import Runtime

log = logging.getLogger("bidbridge.api")

TARGET = "bidbridge.api_target"  # scope key: (api, functions by method) of the matched route


def _key(path: str) -> tuple[str, str] | None:
    """(prefix, first segment after it) of an API path."""
    for prefix in API_PREFIX.values():
        if path.startswith(prefix + "/"):
            return prefix, path[len(prefix) + 1:].split("/", 1)[0]
    return None


class ApiFront:
    def __init__(self, routes: list[BaseRoute], runtime: Runtime) -> None:
        self.runtime = runtime
        self.index: dict[tuple[str, str], list[Route]] = defaultdict(list)
        # Paths without parameters, whole: one dict lookup instead of a walk of regexes.
        self.fixed: dict[str, tuple[Route, Any]] = {}
        for route in routes:
            if not isinstance(route, Route) or (target := dispatch.target_of(route)) is None:
                continue
            key = _key(route.path)
            # Only routes whose first segment is fixed; the catch-all stays with the router.
            if key is not None and "{" not in key[1]:
                if "{" in route.path:
                    self.index[key].append(route)
                else:
                    self.fixed[route.path] = (route, target)

    def match(self, scope: Scope) -> bool:
        """Whether ``scope`` is a call of a declared function; if so its path parameters and
        target are put in the scope for :meth:`call`."""
        fixed = self.fixed.get(get_route_path(scope))
        if fixed is not None:
            route, target = fixed
            if route.methods and scope["method"] not in route.methods:
                return False  # (an OPTIONS preflight) the full stack's
            scope.update(endpoint=route.endpoint, path_params=dict(scope.get("path_params", {})))
            scope[TARGET] = target
            return True
        key = _key(scope["path"])
        for route in self.index.get(key, ()) if key else ():
            match, child = route.matches(scope)
            if match is Match.FULL:
                scope.update(child)
                scope[TARGET] = dispatch.target_of(route)
                return True
        return False

    async def call(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The innermost of the API's chain: the dispatcher, and its answer sent."""
        api, by_method = scope[TARGET]
        started = False
        receive_failed = False

        async def send_tracked(message: Any) -> None:
            nonlocal started
            started = True
            await send(message)

        async def receive_tracked() -> Any:
            nonlocal receive_failed
            try:
                return await receive()
            except BaseException:  # the outer layers' own (a body over its limit): theirs
                receive_failed = True
                raise

        try:
            request = CallRequest(scope, receive_tracked, self.runtime)
            response = await dispatch.handle(request, api, by_method)
            await response(scope, receive_tracked, send_tracked)
        except Exception:
            if started or receive_failed:
                raise
            # The dispatcher answers every failure of a call itself; reaching here is a bug
            # outside it (the web stack's ServerErrorMiddleware does the same for pages).
            request_id = scope.get("state", {}).get("request_id", "")
            log.exception("unexpected error around an API call (request %s)", request_id)
            body = problem_body(500, "internal_error", "Internal server error",
                                "An unexpected error happened on our side. Quote request id "
                                f"{request_id} to support.")
            body["requestId"] = request_id
            await send({"type": "http.response.start", "status": 500,
                        "headers": [(b"content-type", b"application/problem+json")]})
            await send({"type": "http.response.body", "body": dumps(body)})
