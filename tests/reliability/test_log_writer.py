"""The request log's group commit (api/log_writer.py): rows of calls that changed nothing share a
transaction under concurrency, every answered call's row is in the table when its answer
arrives, a group the database refuses is spooled and moved in later, and a failing bookkeeping
write costs that write only."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections import Counter

import anyio.to_thread
import httpx
import pytest
from sqlalchemy import event, func, select

from bidbridge.api import dispatch, log_spool, log_writer, request_log
from bidbridge.api.log_writer import Pending
from bidbridge.app import create_app
from bidbridge.middleware.edge import _new_request_id
from bidbridge.models import ApiKey, ApiRequest
from bidbridge.services.runtime import Runtime
from tests.conftest import BACKENDS
from tests.factories import auth
from tests.tendering.sub.support import signed_in

SUB = "/rest/subcontractor/v1"


def _logged(runtime: Runtime, ids: list[str]) -> Counter[str]:
    with runtime.sessions() as s:
        return Counter(s.scalars(select(ApiRequest.request_id)
                                 .where(ApiRequest.request_id.in_(ids))))


def test_concurrent_reads_share_group_transactions_and_each_answer_finds_its_row(
        factory, client, runtime):
    token = signed_in(factory, client).token
    app = create_app(runtime.settings, runtime=runtime)
    inserts: list[int] = []

    def count(_conn, _cursor, statement, parameters, _context, many):  # type: ignore[no-untyped-def]
        sql = statement.lstrip().upper()
        if sql.startswith("INSERT INTO API_REQUESTS") or (  # PostgreSQL's one-statement group
                sql.startswith("WITH") and "INSERT INTO API_REQUESTS" in sql):
            if not inserts:
                # The first group takes its time (as under load), so calls answered meanwhile
                # are waiting for the next one: the test does not depend on the machine's pace.
                time.sleep(0.3)
            inserts.append(len(json.loads(parameters["rows"])) if isinstance(parameters, dict)
                           and "rows" in parameters else len(parameters) if many else 1)

    async def calls() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            async def one() -> httpx.Response:
                answer = await http.get(SUB + "/me", headers=auth(token))
                # The row is committed before the answer leaves: visible right now.
                rid = answer.headers["x-request-id"]
                assert _logged(runtime, [rid]) == Counter({rid: 1})
                return answer
            return await asyncio.gather(*(one() for _ in range(40)))

    event.listen(runtime.engine, "before_cursor_execute", count)
    try:
        answers = asyncio.run(calls())
    finally:
        event.remove(runtime.engine, "before_cursor_execute", count)
    assert {a.status_code for a in answers} == {200}
    ids = [a.headers["x-request-id"] for a in answers]
    assert _logged(runtime, ids) == Counter({i: 1 for i in ids})
    assert sum(inserts) == 40
    assert len(inserts) < 40, inserts  # some calls shared a group's INSERT and COMMIT


def test_a_group_the_database_refuses_is_spooled_and_moved_in_by_the_next_group(
        runtime, clock):
    writer = log_writer.LogWriter(runtime)
    rows = [{"occurred_at": clock.now(), "request_id": "group-" + os.urandom(4).hex(),
             "api": "subcontractor", "function": "getMe", "method": "GET", "path": "/me",
             "company_id": None, "contact_id": None, "contact_name": None,
             "template_params": {}, "query_params": {}, "status": 200, "error_code": None,
             "duration_ms": 1.0, "client_ip": None, "user_agent": None} for _ in range(3)]

    async def write(values: list[dict]) -> None:
        await asyncio.gather(*(writer.commit(Pending(values=v)) for v in values))

    # A row the table refuses (no api: NOT NULL) fails the whole group: every row of it goes
    # to local disk, none is lost, and the writer lives on.
    broken = [{**rows[0], "api": None}, rows[1]]
    asyncio.run(write(broken))
    assert log_spool.pending(runtime.settings.data_dir)
    assert _logged(runtime, [r["request_id"] for r in rows]) == Counter()
    spooled = sorted((runtime.settings.data_dir / log_spool.SPOOL).glob("*.json"))
    assert len(spooled) == 2
    for path in spooled:
        path.unlink()  # the NOT NULL row would be refused again; not the point below

    # Rows spooled while the database was away are moved in after the next good group.
    log_spool.spool(runtime.settings.data_dir, rows[0])
    asyncio.run(write([rows[1]]))
    asyncio.run(write([rows[2]]))  # the drain after a group is done before the next one
    writer.close()
    assert not log_spool.pending(runtime.settings.data_dir)
    assert _logged(runtime, [r["request_id"] for r in rows]) == Counter(
        {r["request_id"]: 1 for r in rows})


def test_a_failing_bookkeeping_write_costs_that_write_only(runtime, clock):
    writer = log_writer.LogWriter(runtime)
    values = {"occurred_at": clock.now(), "request_id": "keep-" + os.urandom(4).hex(),
              "api": "subcontractor", "function": "getRfp", "method": "GET", "path": "/rfps/1",
              "company_id": None, "contact_id": None, "contact_name": None,
              "template_params": {}, "query_params": {}, "status": 200, "error_code": None,
              "duration_ms": 1.0, "client_ip": None, "user_agent": None}

    def fails(_session):  # type: ignore[no-untyped-def]
        raise RuntimeError("bookkeeping bug")

    async def write() -> None:
        await writer.commit(Pending(values=values, bookkeeping=[fails]))

    asyncio.run(write())
    writer.close()
    assert _logged(runtime, [values["request_id"]]) == Counter({values["request_id"]: 1})


def test_request_ids_are_unique_and_a_forked_child_draws_its_own():
    ids = {_new_request_id() for _ in range(5000)}
    assert len(ids) == 5000 and all(len(i) == 32 and int(i, 16) >= 0 for i in ids)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its first id must not be the parent's next one
        os.write(write, _new_request_id().encode())
        os._exit(0)
    os.waitpid(pid, 0)
    child = os.read(read, 64).decode()
    assert child[12:] != _new_request_id()[12:]  # the random part, not only the time


def test_request_ids_are_ordered_by_their_millisecond():
    """Time first (the request log's request_id index then grows at its end), 80 random bits
    after it; across the entropy buffer's refills every id keeps its 32 characters."""
    before = time.time_ns() // 1_000_000
    ids = [_new_request_id() for _ in range(1000)]
    after = time.time_ns() // 1_000_000
    times = [int(i[:12], 16) for i in ids]
    assert before <= times[0] and times == sorted(times) and times[-1] <= after
    assert all(len(i) == 32 for i in ids)
    assert len({i[12:] for i in ids}) == 1000


def test_worker_threads_are_capped_below_the_pool_so_a_light_call_finds_a_connection(
        factory, client, runtime):
    token = signed_in(factory, client).token
    pool = runtime.engine.pool
    expected = max(1, pool.size() + pool._max_overflow - 2)
    assert dispatch.thread_cap(runtime) == expected
    app = create_app(runtime.settings, runtime=runtime)

    async def call() -> tuple[int, float]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            # A call on a worker thread (getContacts is not light): the cap is set before it.
            answer = await http.get(SUB + "/contacts", headers=auth(token))
        return answer.status_code, anyio.to_thread.current_default_thread_limiter().total_tokens

    assert asyncio.run(call()) == (200, expected)
    assert expected < 40  # anyio's default would let threads hold every connection


def _rows(clock, n: int) -> list[dict]:  # type: ignore[no-untyped-def]
    return [{"occurred_at": clock.now(), "request_id": "loop-" + os.urandom(4).hex(),
             "api": "subcontractor", "function": "getMe", "method": "GET", "path": "/me",
             "company_id": None, "contact_id": None, "contact_name": None,
             "template_params": {}, "query_params": {}, "status": 200, "error_code": None,
             "duration_ms": 1.0, "client_ip": None, "user_agent": None} for _ in range(n)]


def test_a_group_commits_on_the_loop_and_waits_on_the_thread_for_a_lock_held_elsewhere(
        factory, runtime, clock, backend):
    setup = factory.company()
    with runtime.sessions() as s:
        key_id = s.scalars(select(ApiKey.id).where(ApiKey.company_id == setup.company.id)).one()
    writer = log_writer.LogWriter(runtime)
    rows = _rows(clock, 4)

    async def write(values: list[dict], touch: int | None = None) -> None:
        await asyncio.gather(*(writer.commit(Pending(values=v, touch_key_id=touch))
                               for v in values))

    asyncio.run(write(rows[:2]))
    assert _logged(runtime, [r["request_id"] for r in rows[:2]]) == Counter(
        {r["request_id"]: 1 for r in rows[:2]})
    assert writer._thread is None  # the loop committed them itself: no thread was needed

    # Another writer holds what the group needs — SQLite's write lock, or on PostgreSQL the
    # key's row the group touches: the loop does not wait for it (it keeps serving), the thread
    # does, and the rows commit once it is free.
    holder = runtime.engine.connect()
    if backend == "sqlite":
        held = holder.connection.driver_connection
        assert held.try_write_turn()
        release = held.release_write_turn
    else:
        holder.begin()
        holder.execute(select(ApiKey.id).where(ApiKey.id == key_id).with_for_update())
        release = holder.rollback  # (twice is harmless: the second has nothing to end)

    def committed() -> int:  # on the holder's connection: a session would queue for the lock
        ids = [r["request_id"] for r in rows[2:]]
        if backend == "sqlite":  # on its driver connection: no transaction to begin
            return int(holder.connection.driver_connection.execute(
                "SELECT count(*) FROM api_requests WHERE request_id IN (?, ?)", ids).fetchone()[0])
        return holder.execute(select(func.count()).select_from(ApiRequest)
                              .where(ApiRequest.request_id.in_(ids))).scalar_one()

    async def while_held() -> None:
        waiting = asyncio.ensure_future(write(rows[2:], touch=key_id))
        await asyncio.sleep(0.3)  # the loop runs on meanwhile
        assert not waiting.done()
        assert committed() == 0
        release()
        await asyncio.wait_for(waiting, 10)

    try:
        asyncio.run(while_held())
    finally:
        release()
        holder.close()
    assert writer._thread is not None
    # SQLite: the flock was seen taken, nothing tried; PostgreSQL: the loop's attempt hit the
    # short lock timeout, so groups go to the thread for a while.
    assert (writer._loop_paused_until > 0) is (backend == "postgresql")
    writer.close()
    assert _logged(runtime, [r["request_id"] for r in rows]) == Counter(
        {r["request_id"]: 1 for r in rows})
    with runtime.sessions() as s:  # the key's touch came with them
        assert s.get(ApiKey, key_id).last_used_at == clock.now().replace(microsecond=0)


def _attempts_on_the_loop(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, bool | str]]:
    """(group size, outcome) of every group the log writer tries on the loop, from now on."""
    attempts: list[tuple[int, bool | str]] = []
    commit_now = log_writer._commit_now

    def recorded(rt: Runtime, group: list[Pending]) -> bool | str:
        outcome = commit_now(rt, group)
        attempts.append((len(group), outcome))
        return outcome

    monkeypatch.setattr(log_writer, "_commit_now", recorded)
    return attempts


def test_rows_of_two_turns_of_the_loop_share_a_group(runtime, clock, backend, monkeypatch):
    """A row waits one more turn for its group: the calls the loop's next poll brings join it
    (half as many round trips under load); a lone call's group still commits at once."""
    writer = log_writer.LogWriter(runtime)
    rows = _rows(clock, 3)
    attempts = _attempts_on_the_loop(monkeypatch)

    async def calls() -> None:
        loop = asyncio.get_running_loop()
        later: list[asyncio.Future[None]] = []
        first = asyncio.ensure_future(writer.commit(Pending(values=rows[0])))
        # A call whose task first runs one turn after the first's (the next poll brought it).
        loop.call_soon(lambda: later.append(asyncio.ensure_future(
            writer.commit(Pending(values=rows[1])))))
        await first
        await asyncio.gather(*later)
        await writer.commit(Pending(values=rows[2]))  # alone: its group of one, no timer

    asyncio.run(calls())
    assert [size for size, _ in attempts] == [2, 1]
    assert _logged(runtime, [r["request_id"] for r in rows]) == Counter(
        {r["request_id"]: 1 for r in rows})


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_sqlite_lock_held_for_a_moment_is_waited_for_on_the_loop(runtime, clock, backend,
                                                                   monkeypatch):
    """The other worker's commit holds the write lock for a fraction of a millisecond: a group
    that finds it taken tries again on the loop a moment later, joined by the rows queued
    meanwhile, and no thread is woken; one held longer than LOOP_RETRY_S goes to the thread
    (the test above)."""
    writer = log_writer.LogWriter(runtime)
    rows = _rows(clock, 5)
    attempts = _attempts_on_the_loop(monkeypatch)
    holder = runtime.engine.connect()
    held = holder.connection.driver_connection
    assert held.try_write_turn()

    async def while_held() -> None:
        loop = asyncio.get_running_loop()
        first = asyncio.gather(*(writer.commit(Pending(values=v)) for v in rows[:2]))
        await asyncio.sleep(0)  # their turn found the lock taken
        later = asyncio.gather(*(writer.commit(Pending(values=v)) for v in rows[2:]))
        loop.call_later(0.005, held.release_write_turn)
        await asyncio.wait_for(asyncio.gather(first, later), 10)

    try:
        asyncio.run(while_held())
    finally:
        held.release_write_turn()
        holder.close()
    assert writer._thread is None
    # The first two waited, and the three queued meanwhile joined them.
    assert [size for size, outcome in attempts if outcome is True] == [5]
    assert _logged(runtime, [r["request_id"] for r in rows]) == Counter(
        {r["request_id"]: 1 for r in rows})


def test_a_group_on_the_loop_stores_every_value_as_the_threads_insert_does(
        factory, runtime, clock, backend):
    """On PostgreSQL the loop writes a group as one statement (the rows as one JSON text read
    by json_to_recordset); on SQLite as the thread does. Either way a row reads back exactly
    as the thread's Core INSERT stores it — awkward values included — and the key's touch
    comes with it."""
    setup = factory.company()
    with runtime.sessions() as s:
        key_id = s.scalars(select(ApiKey.id).where(ApiKey.company_id == setup.company.id)).one()
    moment = clock.now().replace(microsecond=123456)
    awkward = {"occurred_at": moment, "api": "subcontractor", "function": "getRfp",
               "method": "GET", "path": "/rfps/7?x=%27%22\\", "company_id": 42,
               "contact_id": None, "contact_name": "Zoë O'Brien \"Bau\" \\ 日本",
               "template_params": {"rfpId": 7, "nested": {"list": [1, "zwei", None, 3.5]}},
               "query_params": {"q": "a'b\"c\\d\n\te", "emoji": "🏗️", "empty": ""},
               "status": 404, "error_code": "rfp_not_found", "duration_ms": 0.1 + 0.2,
               "client_ip": "2001:db8::1", "user_agent": "curl/8.5 (x'y)"}
    on_loop = {**awkward, "request_id": "loop-" + os.urandom(4).hex()}
    on_thread = {**awkward, "request_id": "thread-" + os.urandom(4).hex()}
    assert log_writer._commit_now(runtime, [Pending(values=on_loop, touch_key_id=key_id),
                                            Pending(values=dict(on_loop, request_id="x-"
                                                                + os.urandom(4).hex()))]) is True
    log_writer._commit_group(runtime, [Pending(values=on_thread)])
    columns = [c for c in ApiRequest.__table__.columns if c.key not in ("id", "request_id")]
    with runtime.sessions() as s:
        stored = {rid: s.execute(select(*columns).where(ApiRequest.request_id == rid)).one()
                  for rid in (on_loop["request_id"], on_thread["request_id"])}
        touched = s.get(ApiKey, key_id).last_used_at
    assert stored[on_loop["request_id"]] == stored[on_thread["request_id"]]
    assert stored[on_loop["request_id"]]._asdict() == {c.key: awkward[c.key] for c in columns}
    assert touched == moment.replace(microsecond=0)


@pytest.mark.skipif("postgresql" not in BACKENDS, reason="this run has no PostgreSQL")
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)  # SQLite has no such statement
def test_postgresql_group_statement_leaves_its_connection_as_it_found_it(runtime, clock,
                                                                          backend):
    """The one-statement group runs with the driver in autocommit; whether it commits or the
    database refuses it, the pooled connection goes back to transactions as before."""
    good, bad = _rows(clock, 1)[0], {**_rows(clock, 1)[0], "api": None}  # api: NOT NULL
    with runtime.engine.connect() as conn:
        dbapi = conn.connection.dbapi_connection
        request_log.add_group_alone(conn, [good], set(), lock_timeout_ms=20)
        assert dbapi.autocommit is False
        try:
            request_log.add_group_alone(conn, [bad], set(), lock_timeout_ms=20)
        except Exception as exc:
            assert "api" in str(exc)
        else:
            raise AssertionError("a row without its api was stored")
        assert dbapi.autocommit is False
        assert dbapi.info.transaction_status.name == "IDLE"
    assert _logged(runtime, [good["request_id"], bad["request_id"]]) == Counter(
        {good["request_id"]: 1})
