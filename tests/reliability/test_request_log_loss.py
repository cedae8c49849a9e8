"""No request-log row is lost: not for a refused call, not when the worker is killed right
after answering, not when the call found every connection busy, and not while the database is
unreachable (the row is spooled to local disk and moved into the table once it is back)."""

from __future__ import annotations

import dataclasses
import os
import signal
from collections import Counter
from pathlib import Path

import httpx
from sqlalchemy import select
from starlette.testclient import TestClient

from bidbridge.api import log_spool, log_writer
from bidbridge.app import create_app
from bidbridge.db import make_engine, make_sessionmaker
from bidbridge.models import ApiRequest
from bidbridge.services.runtime import Runtime
from tests.factories import auth, get_token
from tests.live import free_port, serve_subprocess

SUB = "/rest/subcontractor/v1"


def _logged(runtime: Runtime, request_ids: list[str]) -> Counter[str]:
    with runtime.sessions() as s:
        return Counter(s.scalars(select(ApiRequest.request_id)
                                 .where(ApiRequest.request_id.in_(request_ids))))


def _statuses(runtime: Runtime, request_ids: list[str]) -> dict[str, tuple[int, str | None]]:
    with runtime.sessions() as s:
        return {r.request_id: (r.status, r.error_code) for r in s.scalars(
            select(ApiRequest).where(ApiRequest.request_id.in_(request_ids)))}


def test_refused_and_answered_calls_keep_their_rows_through_a_sigkill(runtime, factory,
                                                                      settings, tmp_path):
    setup = factory.company()
    env = {"BIDBRIDGE_ENV": "test", "BIDBRIDGE_DATABASE_URL": settings.database_url,
           "BIDBRIDGE_DATA_DIR": str(settings.data_dir), "BIDBRIDGE_PEPPER": settings.pepper,
           "BIDBRIDGE_SECRET_KEY": settings.secret_key, "BIDBRIDGE_REDIS_URL": ""}
    with serve_subprocess(env, tmp_path / "server.log") as (base, proc), \
            httpx.Client(base_url=base + SUB) as http:
        token = http.post("/tokens", data={"login": setup.login,
                                           "apiKey": setup.api_key}).json()["token"]
        answers = [
            http.get("/me", headers=auth(token)),  # 200
            http.get("/me"),  # 401 token_missing
            http.get("/me", headers=auth("f" * 128)),  # 401 token_invalid
            http.get("/rfps/999999", headers=auth(token)),  # 404
            http.post("/audit-log", data={"limit": "0"}, headers=auth(token)),  # 422
            http.post("/me", headers=auth(token)),  # 405
        ]
        # Killed the moment the last answer arrived: nothing is flushed on the way out.
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    assert [a.status_code for a in answers] == [200, 401, 401, 404, 422, 405]
    ids = [a.headers["x-request-id"] for a in answers]
    assert _logged(runtime, ids) == Counter({i: 1 for i in ids})


def test_the_row_of_a_pool_exhaustion_503_is_kept(runtime, factory):
    engine = make_engine(runtime.settings.database_url,
                         sizes={"pool_size": 1, "max_overflow": 0, "pool_timeout": 0.2})
    busy = dataclasses.replace(runtime, engine=engine, sessions=make_sessionmaker(engine),
                               rate_limiter=None, extras={})
    setup = factory.company()
    try:
        with TestClient(create_app(busy.settings, runtime=busy),
                        base_url="http://testserver") as c:
            token = get_token(c, setup)
            with engine.connect():  # the pool's only connection, held by "another call"
                refused = c.get(SUB + "/me", headers=auth(token))
            after = c.get(SUB + "/me", headers=auth(token))
    finally:
        busy.close()
    assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
    assert after.status_code == 200
    rid = refused.headers["x-request-id"]
    assert _statuses(runtime, [rid]) == {rid: (503, "service_unavailable")}


def _unreachable_url(backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'no-such-directory' / 'db.sqlite3'}"
    return f"postgresql://postgres@127.0.0.1:{free_port()}/nothing_listens_here"


def test_rows_of_calls_made_while_the_database_is_unreachable_are_spooled_then_moved(
        runtime, factory, backend, tmp_path):
    setup = factory.company()
    with TestClient(create_app(runtime.settings, runtime=runtime),
                    base_url="http://testserver") as c:
        token = get_token(c, setup)
    down_settings = runtime.settings.model_copy(
        update={"database_url": _unreachable_url(backend, tmp_path)})
    down = Runtime.create(down_settings, runtime.clock)
    try:
        with TestClient(create_app(down_settings, runtime=down),
                        base_url="http://testserver") as c:
            refused = [c.get(SUB + "/me", headers=auth(token)), c.get(SUB + "/me"),
                       c.post(SUB + "/rfps", data={"limit": "7"}, headers=auth(token))]
    finally:
        down.close()
    assert [r.status_code for r in refused] == [503, 503, 503]
    assert all(r.headers["retry-after"] == "2" for r in refused)
    ids = [r.headers["x-request-id"] for r in refused]
    assert log_spool.pending(runtime.settings.data_dir)
    assert _logged(runtime, ids) == Counter()  # not in the table yet: on local disk

    # The database is back (the test's own runtime): the next committed call moves the rows.
    with TestClient(create_app(runtime.settings, runtime=runtime),
                    base_url="http://testserver") as c:
        back = c.get(SUB + "/me", headers=auth(token))
        again = c.get(SUB + "/me", headers=auth(token))
    assert back.status_code == again.status_code == 200
    # The drain runs on the log writer's thread after a committed group, beside the answers:
    # stopping the writer lets it finish what it was asked.
    log_writer.of(runtime).close()
    assert not log_spool.pending(runtime.settings.data_dir)
    assert _logged(runtime, ids) == Counter({i: 1 for i in ids})  # once each, never twice
    assert {s for s, _ in _statuses(runtime, ids).values()} == {503}


def test_a_row_spooled_again_after_its_drain_committed_is_not_doubled(runtime, factory, clock):
    """A drainer that committed but died before deleting its files leaves them behind: the next
    drain skips the rows already in the table, and removes the files."""
    folder = runtime.settings.data_dir / log_spool.SPOOL
    values = {"occurred_at": clock.now(), "request_id": "spooled-" + os.urandom(4).hex(),
              "api": "subcontractor", "function": "getMe", "method": "GET", "path": "/me",
              "company_id": None, "contact_id": None, "contact_name": None,
              "template_params": {}, "query_params": {}, "status": 503,
              "error_code": "service_unavailable", "duration_ms": 1.0, "client_ip": None,
              "user_agent": None}
    log_spool.spool(runtime.settings.data_dir, values)
    with runtime.sessions() as s:
        assert log_spool.drain(s, runtime.settings.data_dir) == 1
    log_spool.spool(runtime.settings.data_dir, values)  # its file, as a dead drainer left it
    with runtime.sessions() as s:
        assert log_spool.drain(s, runtime.settings.data_dir) == 0
    assert not list(folder.glob("*.json"))
    assert _logged(runtime, [values["request_id"]]) == Counter({values["request_id"]: 1})
