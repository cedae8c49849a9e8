"""Request bodies are counted while they stream in, before routing or authentication look at
them: JSON, form and multipart bodies each have their own limit; past it the answer is 413."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bidbridge.api.problem import dumps, problem_body


@dataclass(frozen=True)
class BodyLimits:
    json: int
    form: int
    multipart: int

    def for_type(self, content_type: str) -> tuple[str, int]:
        """(kind, limit) for a Content-Type; anything else counts as a form body."""
        media = content_type.split(";")[0].strip().lower()
        if media == "application/json" or media.endswith("+json"):
            return "JSON", self.json
        if media == "multipart/form-data":
            return "multipart", self.multipart
        return "form", self.form


_SETTING = {"JSON": "BIDBRIDGE_MAX_JSON_BODY_BYTES", "form": "BIDBRIDGE_MAX_FORM_BODY_BYTES",
            "multipart": "BIDBRIDGE_MAX_MULTIPART_BODY_BYTES"}


class _TooLarge(Exception):
    pass


# Told of every refusal (scope, started, status, code): the API writes its request-log row, so a
# refused call is in the log like any other.
OnRefused = Callable[[Scope, float, int, str], Awaitable[None]]


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, limits: BodyLimits, on_refused: OnRefused | None = None
                 ) -> None:
        self.app = app
        self.limits = limits
        self.on_refused = on_refused

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = {k.lower(): v for k, v in scope["headers"]}
        kind, limit = self.limits.for_type(headers.get(b"content-type", b"").decode("latin-1"))
        declared = headers.get(b"content-length", b"").decode("latin-1").strip()
        if declared.isascii() and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, send, kind, limit, started)  # never read a byte of it
            return
        seen = 0
        answered = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge
            return message

        async def watching_send(message: Message) -> None:
            nonlocal answered
            if message["type"] == "http.response.start":
                answered = True
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except _TooLarge:
            if answered:  # the app answered before reading it all; nothing more to say
                return
            await self._refuse(scope, send, kind, limit, started)

    async def _refuse(self, scope: Scope, send: Send, kind: str, limit: int, started: float
                      ) -> None:
        await _refuse(scope, send, kind, limit)
        if self.on_refused is not None:
            await self.on_refused(scope, started, 413, "body_too_large")


async def _refuse(scope: Scope, send: Send, kind: str, limit: int) -> None:
    body = problem_body(413, "body_too_large", "Content too large",
                        f"The {kind} request body is larger than {limit} bytes, the limit for "
                        f"{kind} bodies on this server ({_SETTING[kind]}). Send less per call: "
                        "fewer items per request, or files in smaller parts.",
                        {"limit": limit})
    request_id = scope.get("state", {}).get("request_id")
    if request_id:
        body["requestId"] = request_id
    payload = dumps(body)
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/problem+json"),
                            (b"content-length", str(len(payload)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": payload})
