"""The hot path's statements, counted on the real engine: a read's work in one transaction that
writes nothing, its request-log row committed after it by the log writer (api/log_writer.py),
getRfp in two statements besides the token's, nothing lazy, no pre-ping; the read runs without
a database transaction (no write lock on SQLite) and only the row's group takes the lock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event

from bidbridge.models import ContactType
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


def _work(seen: list[str]) -> list[str]:
    """The SELECTs: the token check first, then the function's own."""
    return [s for s in seen if s.startswith("SELECT")]


def _shape(seen: list[str], backend: str) -> None:
    inserts = [s for s in seen if s.startswith("INSERT")]
    assert len(inserts) == 1 and "API_REQUESTS" in inserts[0], seen
    # Two transactions: the read, committed before the row's; the row's writes nothing else.
    assert [s for s in seen if s in ("<BEGIN>", "<COMMIT>")] == ["<BEGIN>", "<COMMIT>"] * 2, seen
    second = len(seen) - 1 - seen[::-1].index("<BEGIN>")
    assert max(i for i, s in enumerate(seen) if s.startswith("SELECT")) < second, seen
    assert [s for s in seen[second:] if s.startswith(("INSERT", "UPDATE", "DELETE"))] == inserts
    # The read runs without a database transaction (each SELECT its own: no BEGIN, no COMMIT
    # round trip); only the log row's group transaction begins, and on SQLite takes the lock.
    assert [s for s in seen if s.startswith("BEGIN")] == (
        ["BEGIN IMMEDIATE"] if backend == "sqlite" else []), seen
    if backend == "postgresql":
        assert "SET LOCAL SYNCHRONOUS_COMMIT TO OFF" in seen[second:], seen
    assert not any(s == "SELECT 1" for s in seen), seen  # no pre-ping


def test_get_me_is_two_selects_and_one_row(factory, client, backend):
    sub = signed_in(factory, client)
    sub.get("/me")  # the key's last_used_at is now fresh: no update below
    with statements(factory.runtime.engine) as seen:
        response = sub.get("/me")
    assert response.status_code == 200, response.text
    assert len(_work(seen)) == 2, seen  # the token, then contact + company + module
    assert not any(s.startswith("UPDATE") for s in seen), seen
    _shape(seen, backend)


def test_get_rfp_is_two_selects_besides_the_token(factory, client, clock, backend):
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
    # The RFP with its counts and current proposal, then the contractor's visible contacts.
    assert len(_work(seen)) == 1 + 2, seen
    _shape(seen, backend)


def test_a_refused_call_is_one_short_transaction(factory, client, backend):
    sub = signed_in(factory, client)
    with statements(factory.runtime.engine) as seen:
        response = sub.get("/rfps/999999")
    assert response.status_code == 404
    # The work's transaction rolled back, then one short transaction holds the row alone.
    rolled_back = seen.index("<ROLLBACK>")
    assert not any(s.startswith("INSERT") for s in seen[:rolled_back]), seen
    short = seen[rolled_back + 1:]
    assert "<BEGIN>" in short and short[-1] == "<COMMIT>", seen
    statements_of_the_row = [s for s in short if s.startswith(("SELECT", "INSERT", "DELETE"))]
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
        assert "SET LOCAL SYNCHRONOUS_COMMIT TO OFF" not in seen, seen
