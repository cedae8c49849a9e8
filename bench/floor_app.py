"""The floor: a bare ASGI app answering every request with the same small JSON.

Served by the same server with the same worker count as the platform, it is the most any
function can reach on this machine; every scenario is reported as a ratio to it.
"""

from __future__ import annotations

from typing import Any

BODY = b'{"status":"ok","floor":true}'
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    # Drain a request body, so POST scenarios cost the floor what they cost the platform to read.
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
