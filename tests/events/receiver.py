"""A real webhook receiver on loopback: records every request (headers, body, when it started and
ended) and answers as a test tells it to (a status, a pause, a redirect)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    started: float
    ended: float = 0.0

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    # (request) -> (status, extra headers, pause seconds); default 200 at once.
    answer: Callable[[Received], tuple[int, dict[str, str], float]] = (
        lambda r: (200, {}, 0.0))
    in_flight: dict[str, int] = field(default_factory=dict)
    most_at_once: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def verified(self, secret: str) -> list[Any]:
        """Every request checked with the library's verifier; their JSON bodies."""
        return [Webhook(secret).verify(r.body, r.headers) for r in self.requests]

    def wait_for(self, count: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"the receiver got {len(self.requests)} of {count} requests")
            time.sleep(0.02)


@contextmanager
def receiving() -> Iterator[Receiver]:
    receiver = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            got = Received({k.lower(): v for k, v in self.headers.items()},
                           self.rfile.read(length), time.monotonic())
            key = got.headers.get("webhook-id", "")
            with receiver.lock:
                receiver.requests.append(got)
                receiver.in_flight[key] = receiver.in_flight.get(key, 0) + 1
                receiver.most_at_once[key] = max(receiver.most_at_once.get(key, 0),
                                                 receiver.in_flight[key])
            try:
                status, headers, pause = receiver.answer(got)
                if pause:
                    time.sleep(pause)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                got.ended = time.monotonic()
                with receiver.lock:
                    receiver.in_flight[key] -= 1

        def log_message(self, *args: Any) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
