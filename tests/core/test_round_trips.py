"""The hot path's statements, counted on the real engine: a light read's statements each their
own, in no transaction (neither SQLAlchemy's nor the database's: no write lock on SQLite), its
request-log row committed after them by the log writer (api/log_writer.py), getRfp in one
statement besides the token's, nothing lazy, no pre-ping; only the row's group takes the
lock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event, func, select

from bidbridge.models import ApiKey, ApiToken, ContactType
from tests.tendering.sub.support import add_proposal, contractor_message, signed_in
from tests.tendering_factory import tender


@contextmanager
def statements(engine: Any) -> Iterator[list[str]]:
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(" ".join(statement.split()).upper())

    markers = {name: (lambda _conn, name=name: seen.append(f"<{name.upper()}>"))
               for name in ("begin", "commit", "rollback")}  # psycopg's BEGIN is implicit
    event.listen(engine, "before_cursor_execute", before)
    for name, listener in markers.items():
        event.listen(engine, name, listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)
        for name, listener in markers.items():
            event.remove(engine, name, listener)


def _settings(seen: list[str]) -> list[str]:
    """The log group's transaction settings on PostgreSQL (one SELECT of set_config calls)."""
    return [s for s in seen if s.startswith("SELECT SET_CONFIG")]


def _work(seen: list[str]) -> list[str]:
    """The SELECTs: the token check first, then the function's own."""
    return [s for s in seen if s.startswith("SELECT") and s not in _settings(seen)]


def _group(seen: list[str]) -> list[str]:
    """The log group's statement on PostgreSQL: its settings, the key's touch and the rows'
    INSERT in one statement (WITH …), its own transaction."""
    return [s for s in seen if s.startswith("WITH SETTINGS") and "INSERT INTO API_REQUESTS" in s]


def _shape(seen: list[str], backend: str) -> None:
    if backend == "postgresql":
        # The read's statements in autocommit, then one statement for the row, also outside
        # any transaction of ours, committing without the WAL flush.
        assert not [s for s in seen if s.startswith("<")], seen
        assert len(_group(seen)) == 1 and seen[-1] == _group(seen)[0], seen
        assert "SET_CONFIG('SYNCHRONOUS_COMMIT', 'OFF', TRUE)" in seen[-1], seen
        assert not any(s.startswith(("INSERT", "UPDATE", "DELETE", "BEGIN")) for s in seen), seen
        assert not any(s == "SELECT 1" for s in seen), seen  # no pre-ping
        return
    inserts = [s for s in seen if s.startswith("INSERT")]
    assert len(inserts) == 1 and "API_REQUESTS" in inserts[0], seen
    # One transaction, the row's, after the reads; it writes nothing else.
    assert [s for s in seen if s.startswith("<")] == ["<BEGIN>", "<COMMIT>"], seen
    begun = seen.index("<BEGIN>")
    last_read = max(i for i, s in enumerate(seen) if s in _work(seen))
    assert last_read < begun, seen
    assert [s for s in seen[begun:] if s.startswith(("INSERT", "UPDATE", "DELETE"))] == inserts
    # The read runs without a database transaction (each SELECT its own: no BEGIN, no COMMIT
    # round trip); only the log row's group transaction begins, and takes the lock.
    assert [s for s in seen if s.startswith("BEGIN")] == ["BEGIN IMMEDIATE"], seen
    assert not any(s == "SELECT 1" for s in seen), seen  # no pre-ping


def test_get_me_is_the_token_check_and_one_row(factory, client, backend):
    sub = signed_in(factory, client)
    sub.get("/me")  # the key's last_used_at is now fresh: no update below
    with statements(factory.runtime.engine) as seen:
        response = sub.get("/me")
    assert response.status_code == 200, response.text
    # The token check reads the user, the company and the module: getMe answers from them.
    assert len(_work(seen)) == 1, seen
    assert response.json()["contact"]["isApiUser"] is True
    assert not any(s.startswith("UPDATE") for s in seen), seen
    _shape(seen, backend)


def test_get_rfp_is_one_select_besides_the_token(factory, client, clock, backend):
    sub = signed_in(factory, client)
    t = tender(factory, [sub.setup], lines=3, document_count=2,
               workpackage_deadline_in=timedelta(days=7))
    factory.contact(t.contractor.company, contact_type=ContactType.VISIBLE)
    rfp = t.rfp_for(sub.setup)
    contractor_message(factory, rfp, "Welkom")
    add_proposal(factory, rfp.id)
    sub.get(f"/rfps/{rfp.id}")  # the first reading notes "opened" (below); this one only reads
    with statements(factory.runtime.engine) as seen:
        response = sub.get(f"/rfps/{rfp.id}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["counts"] == {"documents": 2, "budgetLines": 3, "messages": 1}
    assert body["currentProposal"] is not None
    # The RFP with its counts, its current proposal and the contractor's visible contacts.
    assert len(_work(seen)) == 1 + 1, seen
    assert len(body["contractor"]["contacts"]) == 2
    _shape(seen, backend)


def test_a_refused_call_is_one_short_transaction(factory, client, backend):
    sub = signed_in(factory, client)
    with statements(factory.runtime.engine) as seen:
        response = sub.get("/rfps/999999")
    assert response.status_code == 404
    # The light read's statements in no transaction (nothing to roll back), then one short
    # transaction holds the row alone (on PostgreSQL one statement, its own transaction).
    assert "<ROLLBACK>" not in seen, seen
    last_read = max(i for i, s in enumerate(seen) if s in _work(seen))
    assert not any(s.startswith(("INSERT", "<")) for s in seen[:last_read]), seen
    short = seen[last_read + 1:]
    if backend == "postgresql":
        assert short == _group(short), seen
        return
    assert "<BEGIN>" in short and short[-1] == "<COMMIT>", seen
    statements_of_the_row = [s for s in short if s.startswith(("SELECT", "INSERT", "DELETE"))
                             and s not in _settings(short)]
    assert len(statements_of_the_row) == 1 and "API_REQUESTS" in statements_of_the_row[0], seen


def test_the_first_reading_of_an_rfp_writes_with_the_row_and_commits_synchronously(
        factory, client, backend):
    sub = signed_in(factory, client)
    t = tender(factory, [sub.setup], lines=1, document_count=0)
    rfp = t.rfp_for(sub.setup)
    sub.get("/me")
    with statements(factory.runtime.engine) as seen:
        response = sub.get(f"/rfps/{rfp.id}")
    assert response.status_code == 200, response.text
    update = next(i for i, s in enumerate(seen) if s.startswith("UPDATE RFPS SET OPENED_AT"))
    event = next(i for i, s in enumerate(seen) if s.startswith("INSERT INTO AUDIT_EVENTS"))
    row = next(i for i, s in enumerate(seen) if s.startswith("INSERT INTO API_REQUESTS"))
    assert update < row and event < row
    if backend == "sqlite":  # the write waits for the lock; the read before it did not
        assert seen.index("BEGIN IMMEDIATE") < update and "BEGIN" not in seen
    else:  # an audit event is never committed without its WAL flush
        assert not any("SYNCHRONOUS_COMMIT" in s for s in seen), seen


def _get_token(client: Any, setup: Any, force_new: bool) -> Any:
    return client.post("/rest/subcontractor/v1/tokens",
                       data={"login": setup.login, "apiKey": setup.api_key,
                             "forceNew": "1" if force_new else "0"})


def test_get_token_handing_back_the_current_token_is_one_select_and_one_row(
        factory, client, backend):
    setup = factory.company()
    first = _get_token(client, setup, False)  # mints the token (and touches the key)
    with statements(factory.runtime.engine) as seen:
        again = _get_token(client, setup, False)
    assert again.status_code == 200, again.text
    assert again.json()["token"] == first.json()["token"]
    # Key, user, company, module and the valid token in one statement; nothing else read.
    assert len(_work(seen)) == 1 and "API_KEYS" in _work(seen)[0], seen
    assert not any(s.startswith("INSERT INTO API_TOKENS") for s in seen), seen
    _shape(seen, backend)


def test_get_token_minting_runs_again_writing_after_its_reading_run(factory, client, clock,
                                                                     backend):
    setup = factory.company()
    with statements(factory.runtime.engine) as seen:
        response = _get_token(client, setup, False)  # no token yet: the reading run stops
    assert response.status_code == 200, response.text
    mint = next(i for i, s in enumerate(seen) if s.startswith("INSERT INTO API_TOKENS"))
    # The reading run (one SELECT, in no transaction at all) came first, then the writing
    # run's transaction, in which the token, its audit event, the row and the key touch commit.
    # (On SQLite the write lock's BEGIN IMMEDIATE comes first: its listener runs before ours.)
    writing = next(i for i, s in enumerate(seen) if s == "<BEGIN>" or s.startswith("BEGIN"))
    reading = seen[:writing]
    assert len(_work(reading)) == 1 and not any(s.startswith("<") for s in reading), seen
    assert writing < mint, seen
    written = seen[writing:]
    assert any(s.startswith("INSERT INTO AUDIT_EVENTS") for s in written), seen
    assert any(s.startswith("INSERT INTO API_REQUESTS") for s in written), seen
    assert any(s.startswith("UPDATE API_KEYS SET LAST_USED_AT") for s in written), seen
    if backend == "sqlite":  # the writing run takes the lock (its listener runs first)
        assert "BEGIN IMMEDIATE" in seen[len(reading):mint], seen
    with factory.runtime.sessions() as s:
        key = s.scalars(select(ApiKey).where(ApiKey.company_id == setup.company.id)).one()
        assert key.last_used_at == clock.now().replace(microsecond=0)
        assert s.scalar(select(func.count()).select_from(ApiToken)
                        .where(ApiToken.api_key_id == key.id)) == 1

    # forceNew=1 goes straight to the writing run: no statement before its transaction.
    with statements(factory.runtime.engine) as seen:
        response = _get_token(client, setup, True)
    assert response.status_code == 200, response.text
    assert not _work(seen[:seen.index("<BEGIN>")]), seen
