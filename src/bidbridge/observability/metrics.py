"""Prometheus metrics at /metrics (prometheus-client): requests by function and status, latency
histograms, requests in flight and database pool usage.

Several worker processes (``serve --workers N``) share one view when PROMETHEUS_MULTIPROC_DIR
names an empty directory before they start (``serve`` sets one up): counters and histograms are
then summed over the workers, gauges summed over live workers. Without it each worker reports
only its own numbers, and a scrape reaches whichever worker accepted the connection.
"""

from __future__ import annotations

import os
import time
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Scope

# The dispatcher names the API function of a call here (request.state): the one point where
# metrics learn it, whatever the dispatch pipeline looks like.
FUNCTION_STATE_KEY = "api_function"

REQUESTS = Counter("bidbridge_http_requests_total", "HTTP requests answered.",
                   ["function", "status"])
LATENCY = Histogram("bidbridge_http_request_duration_seconds",
                    "Time from the request to the last byte of the answer.", ["function"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
IN_FLIGHT = Gauge("bidbridge_http_requests_in_flight", "Requests being answered now.",
                  multiprocess_mode="livesum")
POOL = Gauge("bidbridge_db_pool_connections", "Database connections of the pool by state.",
             ["state"], multiprocess_mode="livesum")


def function_label(scope: Scope) -> str:
    state = scope.get("state") or {}
    name = state.get(FUNCTION_STATE_KEY)
    if name:
        return str(name)
    route = scope.get("route")
    path = getattr(route, "path", None)
    # Web pages and docs by their route template (bounded), never by the raw path.
    return f"route:{path}" if path else "unmatched"


def observe(scope: Scope, status: int, seconds: float) -> None:
    """One answered request: its count by function and status, and its latency (called by the
    edge middleware, middleware/edge.py, once the answer is out)."""
    label = function_label(scope)
    children = _CHILDREN.get((label, status))
    if children is None:  # labels() validates and locks on every lookup: once per pair here
        children = _CHILDREN[(label, status)] = (REQUESTS.labels(label, str(status)),
                                                 LATENCY.labels(label))
    children[0].inc()
    children[1].observe(seconds)


# (function label, status) -> its counter and histogram: as bounded as the labels themselves.
_CHILDREN: dict[tuple[str, int], tuple[Any, Any]] = {}


class PoolSampler:
    """The pool gauge, refreshed at most once per ``every`` seconds of requests (and on every
    scrape of /metrics): reading the pool and setting four gauges on every call cost more than
    the gauge is worth, and a gauge is a sample anyway."""

    def __init__(self, engine: Engine, every: float = 1.0) -> None:
        self.engine = engine
        self.every = every
        self.due = 0.0

    def maybe_record(self) -> None:
        now = time.monotonic()
        if now >= self.due:
            self.due = now + self.every
            record_pool(self.engine)


def record_pool(engine: Engine) -> None:
    pool = engine.pool
    for state in ("checkedout", "checkedin", "overflow", "size"):
        reading = getattr(pool, state, None)
        if callable(reading):
            POOL.labels(state).set(max(0, int(reading())))


def metrics_routes() -> list[BaseRoute]:
    return [Route("/metrics", metrics, methods=["GET"])]


async def metrics(request: Request) -> Response:
    record_pool(request.app.state.runtime.engine)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST,
                    headers={"Cache-Control": "no-store"})
