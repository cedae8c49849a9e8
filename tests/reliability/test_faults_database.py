"""PostgreSQL restarted under load (a private cluster, never the shared one): calls fail fast
with 503 and Retry-After instead of hanging, the platform recovers without a restart, and every
answered call — the 503s included — has exactly one request-log row afterwards."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from bidbridge.app import create_app
from bidbridge.clock import FrozenClock
from bidbridge.config import Settings
from bidbridge.migrate import upgrade
from bidbridge.models import ApiRequest
from bidbridge.services.runtime import Runtime
from tests.factories import Factory, auth
from tests.live import serve_in_thread
from tests.throwaway_postgres import throwaway_postgres

CLIENTS = 8


def wait_for(condition: Callable[[], bool], limit: float = 120) -> None:
    """Poll until the load has produced what the next phase needs (bounded)."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the load did not reach the expected state in time")
        time.sleep(0.05)


@pytest.mark.live
def test_postgres_restart_under_load(tmp_path: Path) -> None:
    with throwaway_postgres() as cluster:
        upgrade(cluster.url)
        settings = Settings(env="test", data_dir=tmp_path / "var", database_url=cluster.url,
                            secret_key="s" * 48, pepper="p" * 48, argon2_time_cost=1,
                            argon2_memory_kib=1024)
        runtime = Runtime.create(settings, FrozenClock())  # the production engine settings
        setup = Factory(runtime).company()
        outcomes: list[tuple[str, int, str | None]] = []
        request_ids: list[str] = []
        lock = threading.Lock()
        phase = {"name": "before"}
        stop = threading.Event()
        with serve_in_thread(create_app(settings, runtime=runtime)) as base:
            token = httpx.post(base + "/rest/subcontractor/v1/tokens",
                               data={"login": setup.login, "apiKey": setup.api_key}).json()["token"]

            def client() -> None:
                # A read timeout would mean a hung call: it fails the test below.
                with httpx.Client(base_url=base, timeout=20) as http:
                    for _ in range(20000):
                        if stop.is_set():
                            return
                        current = phase["name"]
                        try:
                            r = http.get("/rest/subcontractor/v1/me", headers=auth(token))
                            entry = (current, r.status_code, r.headers.get("retry-after"))
                            rid = r.headers["x-request-id"]
                        except httpx.TimeoutException:
                            entry, rid = (current, -1, None), None
                        with lock:
                            outcomes.append(entry)
                            if rid is not None:
                                request_ids.append(rid)
                        time.sleep(0.01)

            def count(name: str, status: int) -> int:
                with lock:
                    return sum(1 for ph, st, _ in outcomes if ph == name and st == status)

            threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
            for t in threads:
                t.start()
            wait_for(lambda: count("before", 200) >= 20)
            phase["name"] = "down"
            cluster.stop("fast")
            wait_for(lambda: count("down", 503) >= 20)
            phase["name"] = "restarting"
            cluster.start()
            phase["name"] = "after"
            wait_for(lambda: count("after", 200) >= 50)
            stop.set()
            for t in threads:
                t.join(timeout=60)
            # The rows of the 503s waited in the spool; the next committed call moves them.
            assert httpx.get(base + "/rest/subcontractor/v1/me", headers=auth(token)).status_code == 200
        with runtime.sessions() as s:
            logged = Counter(s.scalars(select(ApiRequest.request_id)
                                       .where(ApiRequest.request_id.in_(request_ids))))
        runtime.close()
    missing = [rid for rid in request_ids if logged[rid] != 1]
    assert not missing, f"{len(missing)} of {len(request_ids)} answered calls not logged once"
    by_phase = {p: Counter(s for ph, s, _ in outcomes if ph == p)
                for p in ("before", "down", "restarting", "after")}
    statuses = Counter(s for _, s, _ in outcomes)
    assert -1 not in statuses, f"calls hung: {by_phase}"
    assert set(statuses) <= {200, 503}, by_phase
    assert by_phase["before"][200] >= 20, by_phase  # (calls in flight at the stop may get 503)
    assert by_phase["down"][503] > 0, by_phase
    assert all(ra is not None and int(ra) > 0 for _, s, ra in outcomes if s == 503)
    assert by_phase["after"][200] > 0 and set(by_phase["after"]) == {200}, by_phase


@pytest.mark.live
def test_a_light_call_on_a_connection_the_stopped_database_dropped_is_logged_once(
        tmp_path: Path) -> None:
    """The loop's held connection dies with the database; the next light call answers 503 and
    spools its row — once: handing the dead connection back must not try to reconnect it (a
    second failure there was a second 503 path, spooling the row again)."""
    with throwaway_postgres() as cluster:
        upgrade(cluster.url)
        settings = Settings(env="test", data_dir=tmp_path / "var", database_url=cluster.url,
                            secret_key="s" * 48, pepper="p" * 48, argon2_time_cost=1,
                            argon2_memory_kib=1024)
        runtime = Runtime.create(settings, FrozenClock())
        setup = Factory(runtime).company()
        with serve_in_thread(create_app(settings, runtime=runtime)) as base, \
                httpx.Client(base_url=base, timeout=20) as http:
            token = http.post("/rest/subcontractor/v1/tokens",
                              data={"login": setup.login, "apiKey": setup.api_key}
                              ).json()["token"]
            assert http.get("/rest/subcontractor/v1/me", headers=auth(token)).status_code == 200
            cluster.stop("fast")  # the held connection is now dead, and no new one can be made
            down = http.get("/rest/subcontractor/v1/me", headers=auth(token))
            assert down.status_code == 503, down.text
            cluster.start()
            assert http.get("/rest/subcontractor/v1/me", headers=auth(token)).status_code == 200

            def logged() -> list[int]:  # the writer's thread drains the spool after a group
                with runtime.sessions() as s:
                    return list(s.scalars(select(ApiRequest.status).where(
                        ApiRequest.request_id == down.headers["x-request-id"])))

            wait_for(lambda: bool(logged()), limit=20)
        runtime.close()
        assert logged() == [503]
