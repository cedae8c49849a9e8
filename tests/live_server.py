"""A real bidbridge server in a subprocess (uvicorn on a pre-bound free port) with a fresh database.

For tests of the Python client, the sync command and the Postman collection (newman). The server's
clock reads an offset from a file, so tests move its time without sleeping.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_URL

BIN = Path(sys.executable).parent


@dataclass
class LiveServer:
    url: str
    env: dict[str, str]
    database_url: str
    clock_file: Path
    process: subprocess.Popen[bytes]

    def set_clock_offset(self, seconds: float) -> None:
        self.clock_file.write_text(str(seconds))

    def requests_of(self, function: str) -> list[dict[str, Any]]:
        """The server's request log rows (api_requests) of one function."""
        engine = create_engine(_driver(self.database_url))
        try:
            with engine.connect() as conn:
                rows = conn.execute(text(
                    "SELECT function, status, error_code, template_params FROM api_requests "
                    "WHERE function = :f ORDER BY id"), {"f": function}).mappings().all()
                return [dict(r) for r in rows]
        finally:
            engine.dispose()

    def cli(self, *args: str) -> str:
        done = subprocess.run([str(BIN / "bidbridge"), *args], env=self.env, capture_output=True,
                              text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"bidbridge {' '.join(args)} failed: {done.stderr[-2000:]}")
        return done.stdout


def _driver(url: str) -> str:
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


@contextmanager
def _database(backend: str, tmp: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp / 'live.sqlite3'}"
        return
    checkout = hashlib.sha256(str(Path(__file__).resolve()).encode()).hexdigest()[:8]
    name = f"bidbridge_live_{checkout}_{uuid.uuid4().hex[:8]}"
    admin_url = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def live_server(backend: str, tmp: Path, **settings: str) -> Iterator[LiveServer]:
    """Start a server on a free port; stop it (and drop its database) afterwards."""
    tmp.mkdir(parents=True, exist_ok=True)
    with _database(backend, tmp) as database_url:
        clock_file = tmp / "clock-offset"
        clock_file.write_text("0")
        env = {**os.environ, "BIDBRIDGE_ENV": "development", "BIDBRIDGE_DATA_DIR": str(tmp / "var"),
               "BIDBRIDGE_DATABASE_URL": database_url, "BIDBRIDGE_CLOCK_OFFSET_FILE": str(clock_file),
               "BIDBRIDGE_ARGON2_TIME_COST": "1", "BIDBRIDGE_ARGON2_MEMORY_KIB": "1024",
               "BIDBRIDGE_LOG_LEVEL": "warning",
               **{f"BIDBRIDGE_{k.upper()}": v for k, v in settings.items()}}
        subprocess.run([str(BIN / "bidbridge"), "db", "upgrade"], env=env, check=True,
                       capture_output=True, timeout=120)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        log = (tmp / "server.log").open("wb")
        process = subprocess.Popen(
            [str(BIN / "python"), "-m", "uvicorn", "bidbridge.asgi:app", "--fd",
             str(sock.fileno()), "--log-level", "warning"],
            env=env, pass_fds=[sock.fileno()], stdout=log, stderr=subprocess.STDOUT)
        sock.close()
        server = LiveServer(f"http://127.0.0.1:{port}", env, database_url, clock_file, process)
        try:
            _wait_until_up(server, tmp / "server.log")
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()


def _wait_until_up(server: LiveServer, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited: {log.read_text()[-3000:]}")
        try:
            if httpx.get(server.url + "/rest/subcontractor/v1/openapi.json", timeout=2).is_success:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not come up: {log.read_text()[-3000:]}")


def demo(server: LiveServer) -> dict[str, Any]:
    """Load the demo data into the server's database; returns the summary with a fresh key."""
    out = server.cli("demo", "--json", "--new-api-key", "--base-url", server.url)
    return dict(json.loads(out))
