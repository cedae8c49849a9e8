"""The edge of every request in one pure-ASGI layer: its request id, its security headers and
its metrics. Three jobs that each wrapped ``send`` and walked the headers on their own were three
layers per call; one wrapper does them in a single pass over the answer's headers."""

from __future__ import annotations

import os
import re
import time

from sqlalchemy import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bidbridge.observability import metrics
from bidbridge.observability.logs import request_id_var

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_ENTROPY = 4000  # bytes read at once: 400 request ids per getrandom call, not one


class _RequestIds:
    """Time-ordered 128-bit request ids, 32 hex characters laid out like a UUIDv7's: the Unix
    time in milliseconds (48 bits), then 80 random bits from a buffer refilled from the OS
    4 KiB at a time (a system call per id cost 4 % of a call's CPU). Ordered by time, the ids
    of a log group land on the last page of the request log's ``request_id`` index instead of
    one random page each, which every group's commit wrote out again."""

    def __init__(self) -> None:
        self._buffer = b""
        self._at = 0
        # A forked worker must not hand out its parent's remaining ids.
        os.register_at_fork(after_in_child=self._drop)

    def _drop(self) -> None:
        self._buffer, self._at = b"", 0

    def next(self) -> str:
        if self._at >= len(self._buffer):
            self._buffer, self._at = os.urandom(_ENTROPY), 0
        start, self._at = self._at, self._at + 10
        return f"{time.time_ns() // 1_000_000:012x}{self._buffer[start:self._at].hex()}"


_new_request_id = _RequestIds().next
HSTS = "max-age=31536000; includeSubDomains"
_NOSNIFF = (b"x-content-type-options", b"nosniff")
_HSTS = (b"strict-transport-security", HSTS.encode())
_NO_STORE = (b"cache-control", b"no-store")


class EdgeMiddleware:
    """- X-Request-Id on every answer: the caller's, when it sent a sane one, else ours (also in
      ``scope["state"]["request_id"]`` and in the logs' context variable);
    - nosniff everywhere, HSTS behind HTTPS, and ``Cache-Control: no-store`` on getToken and on
      every API answer to a call that carried a token (credentials and tenant data stay out of
      caches);
    - the Prometheus request count, latency and in-flight gauge (observability/metrics.py)."""

    def __init__(self, app: ASGIApp, *, hsts: bool, engine: Engine) -> None:
        self.app = app
        self.hsts = hsts
        self.pool = metrics.PoolSampler(engine)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        given = None
        carries_token = False
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                if given is None:
                    given = value.decode("latin-1")
            elif name == b"x-auth-token":
                carries_token = True
        request_id = given if given and _REQUEST_ID.match(given) else _new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        path: str = scope.get("path", "")
        no_store = path.startswith("/rest/") and (carries_token or path.endswith("/tokens"))
        extra = [(b"x-request-id", request_id.encode())]
        if self.hsts:
            extra.append(_HSTS)
        status = 500  # what the caller sees when the app raises before answering

        async def send_at_edge(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                have = {name.lower() for name, _ in headers}
                if no_store:
                    headers = [h for h in headers if h[0].lower() != b"cache-control"]
                    headers.append(_NO_STORE)
                if b"x-content-type-options" not in have:
                    headers.append(_NOSNIFF)
                for header in extra:
                    if header[0] != b"strict-transport-security" or header[0] not in have:
                        headers.append(header)
                message["headers"] = headers
            await send(message)

        reset = request_id_var.set(request_id)
        metrics.IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, send_at_edge)
        finally:
            metrics.IN_FLIGHT.dec()
            request_id_var.reset(reset)
            metrics.observe(scope, status, time.perf_counter() - started)
            self.pool.maybe_record()
