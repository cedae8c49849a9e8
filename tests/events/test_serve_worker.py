"""`bidbridge serve` on SQLite delivers webhooks with the worker it runs in-process (the embedded
default needs no second process); on PostgreSQL it runs none, and `bidbridge worker` does."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import httpx

from tests.events.receiver import receiving
from tests.events.test_feed import _respond
from tests.events.test_webhooks import add
from tests.events.test_worker_processes import BIN, _delivered, _env, _stop, _wait_delivered, _worker
from tests.tendering.sub.support import signed_in
from tests.tendering_factory import tender


def _serve(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([str(BIN / "bidbridge"), "serve", "--port", str(port),
                                "--no-access-log"], env=env, stdout=log.open("ab"),
                               stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()[-3000:]
        try:
            if httpx.get(url + "/healthz", timeout=2).is_success:
                return process, url
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    _stop(process)
    raise AssertionError(f"bidbridge serve did not come up: {log.read_text()[-3000:]}")


def test_serve_delivers_on_sqlite_and_leaves_postgresql_to_the_workers(
        factory, client, settings, tmp_path, backend):
    sub = signed_in(factory, client)
    rfp = tender(factory, [sub.setup]).rfp_for(sub.setup)
    env = _env(settings, tmp_path, tmp_path / "clock")
    with receiving() as receiver:
        created = add(sub, receiver.url, eventTypes="rfp.changed")
        server, _ = _serve(env, tmp_path / "serve.log")
        try:
            _respond(factory, sub, rfp.id)
            if backend == "sqlite":
                _wait_delivered(factory.runtime, created["endpointId"], 1)
            else:
                time.sleep(3)  # long enough for a worker polling every 0.5 s to have sent it
                assert _delivered(factory.runtime, created["endpointId"]) == 0
                assert receiver.requests == []
                worker = _worker(env, tmp_path / "worker.log")
                try:
                    _wait_delivered(factory.runtime, created["endpointId"], 1)
                finally:
                    _stop(worker)
        finally:
            _stop(server)
        (body,) = receiver.verified(created["secret"])
        assert body["type"] == "rfp.changed" and body["rfpId"] == rfp.id
