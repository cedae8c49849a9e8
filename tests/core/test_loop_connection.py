"""The event loop's held connection (bidbridge/loop_connection.py): light calls and log groups
on one loop thread share one connection, taken from the pool once; it is never carried on
inside a transaction, a dropped one is replaced, it goes back to the pool after a while, when
its thread ends and with the runtime, and a small pool lends none."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.engine import Engine

from bidbridge import loop_connection
from bidbridge.db import make_engine, outside_transactions
from bidbridge.models import ApiRequest
from tests.conftest import BACKENDS
from tests.tendering.sub.support import signed_in


@pytest.fixture
def engine(database: tuple[str, Engine]) -> Iterator[Engine]:
    """An engine of the test database of its own, so no other test's held connection counts."""
    own = make_engine(database[0])
    yield own
    loop_connection.release(own)
    own.dispose()


def _checkouts(engine: Engine) -> list[int]:
    """Checkouts from the engine's pool from now on, for the rest of the test (the engines of
    this module are its own; the shared one's listener is removed by the test)."""
    seen: list[int] = []
    event.listen(engine.pool, "checkout", lambda dbapi, *_: seen.append(id(dbapi)))
    return seen


def test_uses_on_one_thread_share_one_connection_taken_once(engine):
    checkouts = _checkouts(engine)
    used = []
    for _ in range(5):
        with loop_connection.connection(engine) as conn:
            conn.execute(text("SELECT 1"))
            used.append(conn)
    assert len(checkouts) == 1
    assert len({id(c) for c in used}) == 1
    assert engine.pool.checkedout() == 1  # held between uses


def test_a_use_inside_a_use_gets_a_pooled_connection_of_its_own(engine):
    with loop_connection.connection(engine) as outer, \
            loop_connection.connection(engine) as inner:
        assert inner is not outer
        assert engine.pool.checkedout() == 2
    assert engine.pool.checkedout() == 1  # the inner one went back, the held one stays


def test_a_transaction_left_open_is_rolled_back_not_carried_on(engine, backend):
    with loop_connection.connection(engine) as conn:
        conn.begin()
        conn.execute(text("CREATE TABLE held_probe (x INTEGER)"))
    with loop_connection.connection(engine) as conn:
        assert not conn.in_transaction()
        names = conn.execute(text(
            "SELECT name FROM sqlite_master WHERE name = 'held_probe'" if backend == "sqlite"
            else "SELECT tablename FROM pg_tables WHERE tablename = 'held_probe'")).all()
    assert names == []


def test_a_transaction_after_a_light_read_is_a_whole_one(engine, backend):
    """A light read leaves the held connection outside transactions (PostgreSQL: the driver's
    autocommit); the next use that begins one gets a real transaction, whose rollback undoes
    every statement of it — and so does a pooled connection the held one is given back as."""
    with loop_connection.connection(engine) as conn:
        conn.execute(text("CREATE TABLE held_probe (x INTEGER)"))
        conn.commit()

    def rolled_back(conn: Any) -> list[Any]:
        outside_transactions(conn)  # what a light read does: its SELECT on the driver's cursor
        cursor = conn.connection.dbapi_connection.cursor()
        cursor.execute("SELECT count(*) FROM held_probe")
        assert cursor.fetchall()[0][0] == 0
        cursor.close()
        with pytest.raises(RuntimeError), conn.begin():
            conn.execute(text("INSERT INTO held_probe VALUES (1)"))
            conn.execute(text("INSERT INTO held_probe VALUES (2)"))
            raise RuntimeError("undo both")
        found = conn.execute(text("SELECT x FROM held_probe")).all()
        conn.rollback()
        return found

    with loop_connection.connection(engine) as conn:
        assert rolled_back(conn) == []
        outside_transactions(conn)
        dbapi = conn.connection.dbapi_connection
    loop_connection.release(engine)
    with engine.connect() as pooled:
        if pooled.connection.dbapi_connection is dbapi and backend == "postgresql":
            assert dbapi.autocommit is False  # given back in transactions, as it was taken
        transaction = pooled.begin()
        pooled.execute(text("INSERT INTO held_probe VALUES (3)"))
        transaction.rollback()
        assert pooled.execute(text("SELECT x FROM held_probe")).all() == []
        pooled.rollback()
        pooled.execute(text("DROP TABLE held_probe"))
        pooled.commit()


def test_it_goes_back_to_the_pool_after_a_while(engine, monkeypatch):
    checkouts = _checkouts(engine)
    with loop_connection.connection(engine):
        pass
    monkeypatch.setattr(loop_connection, "HOLD_S", 0.0)
    with loop_connection.connection(engine):
        pass
    assert len(checkouts) == 2  # returned and taken again: the pool's recycling applies
    assert engine.pool.checkedout() == 1


def test_a_thread_that_ends_gives_its_connection_back(engine):
    def loop_thread() -> None:
        with loop_connection.connection(engine) as conn:
            conn.execute(text("SELECT 1"))

    worker = threading.Thread(target=loop_thread)
    worker.start()
    worker.join()
    assert engine.pool.checkedout() == 0


def test_release_gives_back_what_every_thread_holds(engine):
    held = threading.Event()
    done = threading.Event()

    def loop_thread() -> None:
        with loop_connection.connection(engine):
            pass
        held.set()
        done.wait(10)  # the thread lives on, holding

    worker = threading.Thread(target=loop_thread)
    worker.start()
    held.wait(10)
    with loop_connection.connection(engine):
        pass
    assert engine.pool.checkedout() == 2
    loop_connection.release(engine)
    assert engine.pool.checkedout() == 0
    done.set()
    worker.join()


def test_a_small_pool_lends_none(database):
    small = make_engine(database[0], sizes={"pool_size": 2, "max_overflow": 1})
    try:
        with loop_connection.connection(small):
            pass
        assert small.pool.checkedout() == 0
    finally:
        small.dispose()


def test_a_forked_child_never_uses_its_parents_connection(engine, monkeypatch):
    with loop_connection.connection(engine) as parents:
        pass
    dbapi = parents.connection.dbapi_connection
    monkeypatch.setattr(loop_connection.os, "getpid", lambda: -1)  # as in a child after fork
    with loop_connection.connection(engine) as childs:
        assert childs is not parents
    assert not parents.closed  # not closed either: the socket is the parent's
    assert dbapi is not None


def test_light_calls_take_no_connection_from_the_pool_per_call(factory, client):
    sub = signed_in(factory, client)
    engine = factory.runtime.engine
    sub.get("/me")
    checkouts: list[int] = []

    def checkout(*_: Any) -> None:
        checkouts.append(1)

    event.listen(engine.pool, "checkout", checkout)
    try:
        for _ in range(5):
            assert sub.get("/me").status_code == 200
    finally:
        event.remove(engine.pool, "checkout", checkout)
    assert checkouts == []  # the calls and their log groups ran on the loop's held one
    with factory.runtime.sessions() as s:
        assert s.scalar(select(ApiRequest.id).where(ApiRequest.function == "getMe")
                        .order_by(ApiRequest.id.desc()).limit(1)) is not None


@pytest.mark.skipif("postgresql" not in BACKENDS, reason="this run has no PostgreSQL")
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_held_connection_the_database_drops_is_replaced(factory, client, backend):
    """A held connection killed by the server (a restart, an administrator) fails the call that
    finds it with today's 503, and the next call runs on a new connection."""
    sub = signed_in(factory, client)
    engine = factory.runtime.engine
    held: set[int] = set()

    def note(conn: Any, *_: Any) -> None:  # the test client's loop runs on a thread of its own
        if threading.current_thread() is not threading.main_thread():
            held.add(conn.connection.dbapi_connection.info.backend_pid)

    event.listen(engine, "before_cursor_execute", note)
    try:
        assert sub.get("/me").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", note)
    # Only the loop's held connection: other tests' connections of this database stay alive.
    pids = sorted(held)
    assert len(pids) == 1, pids
    with engine.connect() as other:
        assert other.execute(text("SELECT pg_terminate_backend(:pid)"),
                             {"pid": pids[0]}).scalar() is True
    assert pids
    answers = [sub.get("/me") for _ in range(3)]
    assert [a.status_code for a in answers] == [503, 200, 200], [a.text for a in answers]
    assert answers[0].headers["Retry-After"] == "2"


@pytest.mark.skipif("postgresql" not in BACKENDS, reason="this run has no PostgreSQL")
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_postgresql_plans_the_held_connections_statements_once_and_only_those(engine, backend):
    """The held connection uses generic plans (its statements are planned once, not per call);
    a connection it gives back to the pool plans as every other one does."""
    def mode(conn: Any) -> str:
        found = str(conn.exec_driver_sql("SHOW plan_cache_mode").scalar())
        conn.rollback()
        return found

    with loop_connection.connection(engine) as held:
        assert mode(held) == "force_generic_plan"
        dbapi = held.connection.dbapi_connection
    loop_connection.release(engine)
    with engine.connect() as pooled:
        assert pooled.connection.dbapi_connection is dbapi  # the pool's only connection
        assert mode(pooled) == "auto"
