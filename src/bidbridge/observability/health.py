"""/healthz (the process answers) and /readyz (it can serve: database, Redis, storage)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import anyio.to_thread
from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bidbridge.services.runtime import Runtime

log = logging.getLogger("bidbridge.health")
RETRY_AFTER = "5"


def health_routes() -> list[BaseRoute]:
    return [Route("/healthz", healthz, methods=["GET", "HEAD"]),
            Route("/readyz", readyz, methods=["GET", "HEAD"])]


async def healthz(request: Request) -> Response:
    """Liveness: the event loop answers. No dependency is touched (a load balancer restarting a
    node because the shared database is down would only make things worse)."""
    return JSONResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})


async def readyz(request: Request) -> Response:
    """Readiness: every dependency this node needs answers now; 503 with Retry-After if not."""
    runtime: Runtime = request.app.state.runtime
    checks = await anyio.to_thread.run_sync(run_checks, runtime)
    ready = all(c["ok"] for c in checks.values())
    headers = {"Cache-Control": "no-store"}
    if not ready:
        headers["Retry-After"] = RETRY_AFTER
    return JSONResponse({"status": "ready" if ready else "unavailable", "checks": checks},
                        status_code=200 if ready else 503, headers=headers)


def run_checks(runtime: Runtime) -> dict[str, dict[str, Any]]:
    checks: dict[str, Callable[[], None]] = {"database": lambda: _database(runtime),
                                             "storage": runtime.storage.check}
    if runtime.settings.redis_url:
        checks["redis"] = lambda: _redis(runtime)
    results: dict[str, dict[str, Any]] = {}
    for name, check in checks.items():
        started = time.perf_counter()
        try:
            check()
            result: dict[str, Any] = {"ok": True}
        except Exception as exc:
            # The class only: messages can carry host names and users; the log has the rest.
            log.warning("readiness check %s failed: %s", name, exc)
            result = {"ok": False, "error": exc.__class__.__name__}
        result["ms"] = round((time.perf_counter() - started) * 1000, 1)
        results[name] = result
    return results


def _database(runtime: Runtime) -> None:
    with runtime.engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def _redis(runtime: Runtime) -> None:
    client = runtime.extras.get("readiness_redis")
    if client is None:
        import redis

        client = redis.Redis.from_url(runtime.settings.redis_url, socket_timeout=2,
                                      socket_connect_timeout=2)
        runtime.extras["readiness_redis"] = client
    client.ping()  # type: ignore[attr-defined]
