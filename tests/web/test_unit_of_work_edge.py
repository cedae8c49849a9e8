"""The web edge owns the transaction: no web module opens a database session by hand, a page
request does its reads and writes in one session, an action that fails half-way changes nothing,
and what a page does is audited in the signed-in person's name with the request's id."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event, select
from starlette.testclient import TestClient

from bidbridge.models import AuditEvent, BrowserSession, Company, CompanyKind
from bidbridge.web import security
from tests.factories import PASSWORD, TWO_FACTOR
from tests.web.helpers import csrf_from, logged_in, login, post_form

WEB = Path(__file__).resolve().parents[2] / "src" / "bidbridge" / "web"
# Opening or ending a session or transaction: the unit of work's business alone.
FORBIDDEN_CALLS = {"sessions", "sessionmaker", "Session", "begin", "begin_nested", "commit",
                   "rollback", "connect"}


def _calls(path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in FORBIDDEN_CALLS:
                yield node.lineno, name


def test_no_web_module_opens_a_session_or_transaction_by_hand():
    modules = sorted(WEB.rglob("*.py"))
    assert len(modules) > 20, "the scan must see the web package"
    found = [f"{p.relative_to(WEB)}:{line}: {name}()" for p in modules
             if p.name != "unit_of_work.py" for line, name in _calls(p)]
    assert found == [], ("web pages take their session from web/unit_of_work.py (PageSession, "
                         "Acting.attempt for a refusal shown on the page): " + ", ".join(found))


def test_the_scan_finds_a_session_opened_by_hand(tmp_path):
    sample = tmp_path / "page.py"
    sample.write_text("def page(request):\n    with runtime_of(request).sessions() as db:\n"
                      "        db.commit()\n")
    assert [name for _, name in _calls(sample)] == ["sessions", "commit"]


@pytest.fixture
def opened(runtime) -> Iterator[list[int]]:
    """The sessions that began a transaction, one entry each (cleared by the test at will)."""
    seen: list[int] = []

    def began(session, transaction, connection) -> None:  # type: ignore[no-untyped-def]
        if id(session) not in seen:
            seen.append(id(session))

    event.listen(runtime.sessions, "after_begin", began)
    yield seen
    event.remove(runtime.sessions, "after_begin", began)


def test_a_page_request_reads_and_writes_in_one_session(client, factory, opened, clock):
    support = factory.support_user()
    setup = factory.company(CompanyKind.CONTRACTOR)
    counted: dict[str, int] = {}

    def count(label: str, call, form: str | None = None) -> int:  # type: ignore[no-untyped-def]
        page = None if label.startswith("GET") else client.get(form or label.split()[1])
        opened.clear()
        response = call(csrf_from(page.text) if page is not None else None)
        assert response.status_code < 500, response.text
        counted[label] = len(opened)
        return response.status_code

    def post(path: str, **data: str):  # type: ignore[no-untyped-def]
        return lambda csrf: client.post(path, data={**data, "csrf_token": csrf},
                                        follow_redirects=False)

    # The cookie's record, the identity, the CSRF check and the page share one session.
    assert count("POST /login", post("/login", email=setup.admin.email,
                                     password=PASSWORD)) == 303
    for path in ("/", "/account", "/account/security", "/account/company", "/account/audit",
                 "/login"):
        clock.advance(120)  # past the once-a-minute "last seen" write
        count(f"GET {path}", lambda _, path=path: client.get(path, follow_redirects=False))
    assert count("POST /account/security end-others",
                 post("/account/security/sessions/end-others")) == 303
    assert count("POST /account/company refused", post("/account/company/api-user",
                                                       api_user_id="999999999")) == 422
    logged_in(client, setup.api_user.email)
    count("GET /account/api", lambda _: client.get("/account/api"))
    assert count("POST /account/api/generate refused", post("/account/api/generate"),
                 "/account/api") == 409
    login(client, support.email)
    assert count("POST /login/two-factor", post(
        "/login/two-factor", code=TWO_FACTOR[support.email][1].pop())) == 303
    count("GET /support", lambda _: client.get(f"/support/companies/{setup.company.id}"))
    assert counted == dict.fromkeys(counted, 1)
    # An address no page answers reads the cookie (to keep it) in a session of its own.
    count("GET /no-such-page", lambda _: client.get("/no-such-page"))
    assert counted["GET /no-such-page"] <= 1


def _audit(runtime, event_name: str) -> list[AuditEvent]:
    with runtime.sessions() as db:
        return list(db.scalars(select(AuditEvent).where(AuditEvent.event == event_name)
                               .order_by(AuditEvent.id)))


def test_an_action_that_fails_half_way_changes_nothing(app, runtime, factory, monkeypatch):
    setup = factory.company(api=False)
    colleague = factory.contact(setup.company)
    with TestClient(app, raise_server_exceptions=False) as client, \
            TestClient(app) as other:
        logged_in(other, colleague.email)
        logged_in(client, setup.admin.email)
        page = client.get("/account/security")

        def fail(*args: object, **kwargs: object) -> None:
            # After the requirement and its audit row were written and flushed.
            raise RuntimeError("the database went away half-way")

        monkeypatch.setattr(security, "_end_sessions_without_factor", fail)
        response = client.post("/account/security/company-requirement", data={
            "csrf_token": csrf_from(page.text), "required": "yes"}, follow_redirects=False)
        assert response.status_code == 500
        assert other.get("/account", follow_redirects=False).status_code == 200
    with runtime.sessions() as db:
        company = db.get(Company, setup.company.id)
        assert company is not None and not company.two_factor_required
    assert [e for e in _audit(runtime, "company.two_factor_required")
            if e.company_id == setup.company.id] == []


def test_a_refused_action_changes_nothing_and_says_why(client, factory, runtime):
    setup = factory.company(api=False)
    logged_in(client, setup.admin.email)
    refused = post_form(client, "/account", "/account/password", {
        "current_password": "not the password", "new_password": "n" * 12,
        "repeat_password": "n" * 12})
    assert refused.status_code == 422 and "The current password is not correct." in refused.text
    assert client.get("/account").status_code == 200  # this browser is still signed in
    assert login(client, setup.admin.email, PASSWORD).status_code == 303  # the old password


def test_a_web_action_is_audited_in_the_persons_name_with_the_request_id(client, factory,
                                                                       runtime):
    support = factory.support_user()
    setup = factory.company(api=False)
    logged_in(client, support.email)
    page = client.get(f"/support/companies/{setup.company.id}")
    response = client.post(f"/support/companies/{setup.company.id}/activate", data={
        "csrf_token": csrf_from(page.text), "api_user_id": str(setup.admin.id)},
        follow_redirects=False)
    assert response.status_code == 303
    rows = [e for e in _audit(runtime, "api_module.activated")
            if e.company_id == setup.company.id]
    assert [(e.actor_kind, e.actor_id, e.actor_name, e.request_id) for e in rows] == [
        ("support", support.id, support.name, response.headers["x-request-id"])]


def test_a_wrong_second_factor_is_audited_and_promotes_nothing(client, factory, runtime):
    support = factory.support_user()
    login(client, support.email)

    def record() -> tuple[str, str]:
        with runtime.sessions() as db:
            row = db.scalars(select(BrowserSession).where(
                BrowserSession.account_kind == "support",
                BrowserSession.account_id == support.id)).one()
            return row.stage, row.key_digest

    before = record()
    wrong = post_form(client, "/login/two-factor", "/login/two-factor", {"code": "000000"})
    assert wrong.status_code == 401
    assert record() == before and before[0] == "needs_code"
    assert [(e.actor_kind, e.target_id, e.data) for e in _audit(runtime, "session.login_failed")
            if e.target_id == support.id] == [("anonymous", support.id, {"reason": "wrong_code"})]
    right = post_form(client, "/login/two-factor", "/login/two-factor",
                      {"code": TWO_FACTOR[support.email][1].pop()})
    assert right.status_code == 303
    assert record()[0] == "active" and record()[1] != before[1]
    assert client.get("/support/security").status_code == 200
