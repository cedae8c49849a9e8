"""Browser sessions are server-side records: logout revokes, the Security tab lists and ends them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from starlette.testclient import TestClient

from bidbridge.models import BrowserSession
from bidbridge.web.sessions import COOKIE_NAME
from tests.web.helpers import csrf_from, logged_in, post_form

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")


def _browser(app, address: str, agent: str) -> TestClient:
    return TestClient(app, base_url="http://testserver", client=(address, 40000),
                      headers={"User-Agent": agent})


def test_a_cookie_replayed_after_logout_opens_nothing(client, factory):
    setup = factory.company(api=False)
    logged_in(client, setup.admin.email)
    account = client.get("/account")
    saved_cookie, saved_csrf = client.cookies[COOKIE_NAME], csrf_from(account.text)
    assert post_form(client, "/account", "/logout").status_code == 303
    client.cookies.clear()
    client.cookies.set(COOKIE_NAME, saved_cookie)
    assert client.get("/account", follow_redirects=False).status_code == 303
    # Its CSRF token is dead too: a form posted with it is refused.
    replay = client.post("/account/password", data={
        "csrf_token": saved_csrf, "current_password": "x", "new_password": "y" * 12,
        "repeat_password": "y" * 12}, follow_redirects=False)
    assert replay.status_code == 403


def test_the_security_tab_lists_sessions_and_ends_one_or_all(app, factory, runtime):
    setup = factory.company(api=False)
    office = _browser(app, "192.0.2.10", FIREFOX)
    phone = _browser(app, "198.51.100.20", SAFARI)
    third = _browser(app, "203.0.113.30", FIREFOX)
    for browser in (office, phone, third):
        logged_in(browser, setup.admin.email)
    page = office.get("/account/security")
    assert page.status_code == 200
    assert 'href="/account/security" aria-current="page">Security' in page.text
    assert "Firefox on Windows" in page.text and "Mobile Safari on iOS" in page.text
    assert "198.51.100.20" in page.text and "this browser" in page.text
    with runtime.sessions() as s:
        rows = {r.client_ip: r for r in s.scalars(select(BrowserSession).where(
            BrowserSession.account_id == setup.admin.id, BrowserSession.account_kind == "contact"))}
    ended = post_form(office, "/account/security", "/account/security/sessions/end",
                      {"session_id": str(rows["198.51.100.20"].id)})
    assert ended.status_code == 303
    assert phone.get("/account", follow_redirects=False).status_code == 303
    assert third.get("/account").status_code == 200
    assert post_form(office, "/account/security",
                     "/account/security/sessions/end-others").status_code == 303
    assert third.get("/account", follow_redirects=False).status_code == 303
    assert office.get("/account").status_code == 200
    events = [e.event for e in factory.events(setup.company.id)]
    assert "session.revoked" in events and "session.others_revoked" in events


def test_another_accounts_session_id_reads_as_missing(app, client, factory, runtime):
    mine, theirs = factory.company(api=False), factory.company(api=False)
    other = _browser(app, "192.0.2.99", FIREFOX)
    logged_in(other, theirs.admin.email)
    with runtime.sessions() as s:
        their_id = s.scalar(select(BrowserSession.id).where(
            BrowserSession.account_id == theirs.admin.id, BrowserSession.account_kind == "contact"))
    logged_in(client, mine.admin.email)
    for value in (str(their_id), "²", "9" * 20, ""):
        refused = post_form(client, "/account/security", "/account/security/sessions/end",
                            {"session_id": value})
        assert refused.status_code == 404, value
    assert other.get("/account").status_code == 200


def test_last_seen_and_expiry_follow_the_clock(client, factory, runtime, clock):
    setup = factory.company(api=False)
    logged_in(client, setup.admin.email)
    clock.advance(120)
    assert client.get("/account").status_code == 200
    with runtime.sessions() as s:
        row = s.scalar(select(BrowserSession).where(BrowserSession.account_id == setup.admin.id,
                                                    BrowserSession.account_kind == "contact"))
    assert row.last_seen_at == clock.now() and row.created_at == clock.now() - timedelta(seconds=120)
    clock.set(row.expires_at)
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_a_password_change_revokes_every_other_session(app, client, factory, runtime):
    setup = factory.company(api=False)
    other = _browser(app, "192.0.2.50", SAFARI)
    logged_in(other, setup.admin.email)
    logged_in(client, setup.admin.email)
    from tests.factories import PASSWORD

    changed = post_form(client, "/account", "/account/password", {
        "current_password": PASSWORD, "new_password": "n" * 12, "repeat_password": "n" * 12})
    assert changed.status_code == 303
    assert client.get("/account").status_code == 200
    assert other.get("/account", follow_redirects=False).status_code == 303
    with runtime.sessions() as s:
        live = s.scalars(select(BrowserSession).where(
            BrowserSession.account_id == setup.admin.id, BrowserSession.account_kind == "contact",
            BrowserSession.revoked_at.is_(None))).all()
    assert len(live) == 1


def test_support_has_its_security_page(client, factory):
    support = factory.support_user()
    logged_in(client, support.email)
    page = client.get("/support/security")
    assert page.status_code == 200 and "Where you are logged in" in page.text
    assert client.get("/account/security", follow_redirects=False).headers["location"] == \
        "/support/security"


def test_session_keys_are_not_stored(client, factory, runtime):
    setup = factory.company(api=False)
    logged_in(client, setup.admin.email)
    from bidbridge.web.sessions import _serializer

    raw = _serializer(runtime).loads(client.cookies[COOKIE_NAME])["s"]
    with runtime.sessions() as s:
        digests = s.scalars(select(BrowserSession.key_digest)).all()
    assert raw not in digests and all(raw not in d for d in digests)
