"""API calls routed in one dictionary lookup instead of a walk over every route of the app.

The app's router tries its routes one after another — health, metrics, assets, documentation,
then the API's — and wraps the match in its exception and dependency layers, which an API call
does not use (the dispatcher renders its own errors). ``ApiFront`` sits innermost of the
middleware, so the edge (request id, headers, metrics) and the body limits still apply: it
indexes the API routes by their API and first path segment, matches the few that share them,
and hands anything it does not know — documentation, the web, an unknown path — to the router
unchanged.
"""

from __future__ import annotations

from collections import defaultdict

from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from bidbridge.api.dispatch import API_PREFIX


def _key(path: str) -> tuple[str, str] | None:
    """(prefix, first segment after it) of an API path."""
    for prefix in API_PREFIX.values():
        if path.startswith(prefix + "/"):
            return prefix, path[len(prefix) + 1:].split("/", 1)[0]
    return None


class ApiFront:
    def __init__(self, app: ASGIApp, *, routes: list[BaseRoute]) -> None:
        self.app = app
        self.index: dict[tuple[str, str], list[Route]] = defaultdict(list)
        for route in routes:
            if not isinstance(route, Route):
                continue
            key = _key(route.path)
            # Only routes whose first segment is fixed; the catch-all stays with the router.
            if key is not None and "{" not in key[1]:
                self.index[key].append(route)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            key = _key(scope["path"])
            for route in self.index.get(key, ()) if key else ():
                match, child = route.matches(scope)
                if match is Match.FULL:
                    scope.update(child)
                    await route.handle(scope, receive, send)
                    return
        await self.app(scope, receive, send)
