"""What the web-page benchmarks share: a fresh database, a logged-in client, per-request timing."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def _admin(*statements: str) -> None:
    admin = create_engine(make_url(POSTGRES_ADMIN).set(drivername="postgresql+psycopg"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for statement in statements:
            conn.execute(text(statement))
    admin.dispose()


def fresh_database(backend: str, tmp: Path, name: str) -> str:
    """The URL of an empty database called ``name``: a SQLite file in ``tmp``, or a PostgreSQL
    database dropped and created afresh."""
    if backend == "sqlite":
        return f"sqlite:///{tmp / (name + '.sqlite3')}"
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    return make_url(POSTGRES_ADMIN).set(database=name).render_as_string(hide_password=False)


def drop_database(backend: str, name: str) -> None:
    if backend == "postgresql":
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def log_in(client: TestClient, email: str, password: str) -> None:
    """Log in through the login form, as a browser does (CSRF token included)."""
    page = client.get("/login").text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post("/login", data={"email": email, "password": password,
                                           "csrf_token": token})
    assert response.status_code == 200, response.status_code


def times(call: Callable[[], Any], repeat: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds per request, after one warm-up request. The CPU time of
    this process (the app runs in it) is what the page costs the server, whatever else the
    machine is busy with."""
    call()
    wall, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        call()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return wall, cpu


def get_ok(client: TestClient, path: str) -> Callable[[], None]:
    def call() -> None:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return call


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]
