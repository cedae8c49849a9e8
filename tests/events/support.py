"""Helpers for the event tests: reading the feed through the API, after our own writes settle."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import func, select

from bidbridge.models import Event
from bidbridge.services.event_feed import visible_below
from bidbridge.services.runtime import Runtime
from tests.tendering.sub.support import Sub


def settle(runtime: Runtime, timeout: float = 30.0) -> None:
    """Wait until every event written so far is servable. On PostgreSQL the feed holds events
    back while any older write transaction of the cluster is in flight (services/event_feed.py);
    the test server is shared with other test runs, whose transactions come and go."""
    deadline = time.monotonic() + timeout
    while True:
        with runtime.sessions() as s:
            newest = s.scalar(select(func.max(Event.txid)))
            barrier = visible_below(s)
        if barrier is None or newest is None or newest < barrier:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"events up to txid {newest} still held back by {barrier}")
        time.sleep(0.02)


def feed(sub: Sub, *, wait: bool = True, **params: object) -> dict[str, Any]:
    if wait:
        settle(sub.client.app.state.runtime)  # type: ignore[attr-defined]
    response = sub.post("/events", data={k: str(v) for k, v in params.items()})
    assert response.status_code == 200, response.text
    return dict(response.json())


def follow(sub: Sub, cursor: str | None = None, *, wait: bool = True,
           **filters: object) -> tuple[list[dict[str, Any]], str]:
    """Every event after ``cursor``, paging until hasMore is false."""
    seen: list[dict[str, Any]] = []
    while True:
        params = dict(filters)
        if cursor is not None:
            params["cursor"] = cursor
        page = feed(sub, wait=wait, **params)
        seen.extend(page["events"])
        cursor = page["nextCursor"]
        if not page["hasMore"]:
            return seen, cursor
