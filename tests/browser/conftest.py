"""A real bidbridge server in a subprocess, with demo data, on SQLite or PostgreSQL."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_URL

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
BIN = Path(sys.executable).parent


@dataclass
class LiveServer:
    base_url: str
    log_path: Path
    database_url: str = ""  # the server's database, for tests that check what a flow left

    def rows(self, sql: str, **params: object) -> list[dict[str, object]]:
        engine = create_engine(self.database_url.replace("postgresql://",
                                                         "postgresql+psycopg://", 1))
        try:
            with engine.connect() as conn:
                return [dict(r) for r in conn.execute(text(sql), params).mappings()]
        finally:
            engine.dispose()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _browser_database_name() -> str:
    # Unique per checkout and xdist worker, like the other test databases.
    checkout = hashlib.sha256(str(Path(__file__).resolve()).encode()).hexdigest()[:8]
    return f"bidbridge_browser_{checkout}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


def _postgres_admin(*statements: str) -> None:
    admin = create_engine(make_url(POSTGRES_URL).set(drivername="postgresql+psycopg"),
                          isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        admin.dispose()


def _fresh_postgres_database() -> str:
    name = _browser_database_name()
    _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def live_server_env() -> dict[str, str]:
    """Extra environment of the server; a test module overrides it to set a setting."""
    return {}


@pytest.fixture
def live_server(backend: str, tmp_path: Path, live_server_env: dict[str, str]
                ) -> Iterator[LiveServer]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIDBRIDGE_")}
    env.update(BIDBRIDGE_DATA_DIR=str(tmp_path / "var"), BIDBRIDGE_ENV="development",
               **live_server_env)
    database_url = f"sqlite:///{tmp_path / 'var' / 'bidbridge.sqlite3'}"
    if backend == "postgresql":
        database_url = env["BIDBRIDGE_DATABASE_URL"] = _fresh_postgres_database()
    demo = subprocess.run([str(BIN / "bidbridge"), "demo", "--json"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert demo.returncode == 0, f"bidbridge demo failed:\n{demo.stdout}\n{demo.stderr}"
    port = _free_port()
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "bidbridge.asgi:app", "--host", "127.0.0.1",
             "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"the server exited with {process.returncode}:\n{log_path.read_text()}")
            try:
                if httpx.get(base_url + "/login", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not answer within 60 s:\n{log_path.read_text()}")
            time.sleep(0.2)
        yield LiveServer(base_url, log_path, database_url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if backend == "postgresql":
            _postgres_admin(f'DROP DATABASE IF EXISTS "{_browser_database_name()}" WITH (FORCE)')


@pytest.fixture
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package "
                    "(apt-get install chromium); the browser tests never skip.")
    return CHROMIUM


def log_in(page: Page, email: str, password: str) -> None:
    """Through the login form, as a person does; the caller checks where it lands."""
    page.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
