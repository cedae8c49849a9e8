"""Log in, log out, the session cookie, CSRF and throttling of failed logins."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bidbridge.models import AuditEvent, Contact
from bidbridge.services import accounts
from bidbridge.web.sessions import COOKIE_NAME
from tests.factories import PASSWORD
from tests.web.helpers import csrf_from, logged_in, login, post_form


def test_login_page_explains_bidbridge_and_home_sends_anonymous_there(client):
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    page = client.get("/login")
    assert page.status_code == 200
    assert "tendering platform for the construction trade" in page.text
    assert 'name="csrf_token"' in page.text


def test_contact_logs_in_and_lands_on_the_bid_board(client, factory, runtime):
    setup = factory.company(api=False)
    response = login(client, setup.admin.email)
    assert response.status_code == 303
    # "/" sends each person on to their start page: a subcontractor's is the bid board.
    assert response.headers["location"] == "/"
    page = client.get("/account")
    assert page.status_code == 200
    assert setup.admin.name in page.text
    assert setup.company.name in page.text
    assert "My Account" in page.text and "Log out" in page.text
    assert client.get("/", follow_redirects=False).headers["location"] == "/bids"
    events = factory.events(setup.company.id, "session.login")
    assert [(e.actor_kind, e.actor_id, e.actor_name) for e in events] == [
        ("contact", setup.admin.id, setup.admin.name)]
    with runtime.sessions() as s:
        assert s.get(Contact, setup.admin.id).last_login_at == runtime.clock.now()


def test_session_cookie_is_httponly_and_samesite_lax(client, factory, runtime):
    setup = factory.company(api=False)
    response = login(client, setup.admin.email)
    cookie = next(v for k, v in response.headers.multi_items()
                  if k == "set-cookie" and v.startswith(COOKIE_NAME + "="))
    flags = [part.strip().lower() for part in cookie.split(";")]
    assert "httponly" in flags
    assert "samesite=lax" in flags
    assert f"max-age={runtime.settings.session_max_age_seconds}" in flags
    assert "secure" not in flags  # secure_cookies is off in tests (plain http)


def test_secure_cookies_setting_adds_secure_flag(client, factory, runtime):
    runtime.settings.secure_cookies = True
    setup = factory.company(api=False)
    response = login(client, setup.admin.email)
    cookie = response.headers["set-cookie"].lower()
    assert "; secure" in cookie


def test_wrong_password_and_unknown_email_get_the_same_answer(client, factory):
    setup = factory.company(api=False)
    wrong = login(client, setup.admin.email, "not the password")
    unknown = login(client, "nobody-here@test.example", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    message = "The e-mail address or password is not correct."
    assert message in wrong.text and message in unknown.text
    assert client.get("/account", follow_redirects=False).status_code == 303
    failed = factory.events(setup.company.id, "session.login_failed")
    assert [e.target_id for e in failed] == [setup.admin.id]
    assert failed[0].actor_kind == "anonymous"


def test_failed_logins_are_throttled_per_email(client, factory, runtime):
    setup = factory.company(api=False)
    limit = runtime.settings.login_failure_limit
    for _ in range(limit):
        assert login(client, setup.admin.email, "wrong password").status_code == 401
    throttled = login(client, setup.admin.email, PASSWORD)  # even the right password waits
    assert throttled.status_code == 429
    retry = int(throttled.headers["retry-after"])
    assert 0 < retry <= runtime.settings.auth_failure_window_seconds
    assert f"Too many failed attempts. Try again in {retry} s." in throttled.text


def test_failed_logins_are_throttled_per_ip_across_emails(client, factory, runtime):
    setup = factory.company(api=False)
    for n in range(runtime.settings.login_failure_address_limit):
        assert login(client, f"guess-{n}@test.example", "wrong password").status_code == 401
    assert login(client, setup.admin.email, PASSWORD).status_code == 429


def test_inactive_contact_cannot_log_in_and_loses_its_session(client, factory, runtime):
    setup = factory.company(api=False)
    logged_in(client, setup.admin.email)
    assert client.get("/account").status_code == 200
    with runtime.sessions() as s, s.begin():
        contact = s.get(Contact, setup.admin.id)
        accounts.set_contact_active(s, factory.ctx(), contact, False)
    # The version bump ends the running session at once.
    assert client.get("/account", follow_redirects=False).headers["location"] == (
        "/login?next=/account")
    response = login(client, setup.admin.email)
    assert response.status_code == 403
    assert "deactivated" in response.text


def test_logout_ends_the_session_and_is_audited(client, factory):
    setup = factory.company(api=False)
    logged_in(client, setup.admin.email)
    response = post_form(client, "/account", "/logout")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?msg=logged_out"
    assert client.get("/account", follow_redirects=False).status_code == 303
    assert [e.actor_id for e in factory.events(setup.company.id, "session.logout")] == [
        setup.admin.id]


def test_post_without_or_with_wrong_csrf_token_is_refused(client, factory):
    setup = factory.company(api=False)
    page = client.get("/login")
    no_token = client.post("/login", data={"email": setup.admin.email, "password": PASSWORD},
                           follow_redirects=False)
    assert no_token.status_code == 403
    wrong = client.post("/login", data={"email": setup.admin.email, "password": PASSWORD,
                                        "csrf_token": csrf_from(page.text) + "x"},
                        follow_redirects=False)
    assert wrong.status_code == 403
    assert factory.events(setup.company.id, "session.login") == []
    logged_in(client, setup.admin.email)
    refused = client.post("/logout", data={}, headers={"accept": "text/html"},
                          follow_redirects=False)
    assert refused.status_code == 403
    assert "security token" in refused.text
    assert client.get("/account").status_code == 200  # still logged in


def test_csrf_token_changes_at_login(client, factory):
    setup = factory.company(api=False)
    before = csrf_from(client.get("/login").text)
    logged_in(client, setup.admin.email)
    after = csrf_from(client.get("/account").text)
    assert before != after


def test_session_expires_after_max_age(client, factory, runtime, clock):
    setup = factory.company(api=False)
    logged_in(client, setup.admin.email)
    clock.advance(runtime.settings.session_max_age_seconds - 5)
    assert client.get("/account", follow_redirects=False).status_code == 200
    clock.advance(10)
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_forged_cookie_is_nobody(client, factory):
    client.cookies.set(COOKIE_NAME, "eyJjIjoieCIsImsiOiJjb250YWN0IiwiaSI6MSwidiI6MX0.abc.def")
    assert client.get("/account", follow_redirects=False).headers["location"].startswith("/login")


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example",
                                    "/\t/evil.example", "javascript:alert(1)"])
def test_next_parameter_returns_only_to_local_paths(client, factory, target):
    setup = factory.company(api=False)
    page = client.get("/login")
    response = client.post("/login", data={"email": setup.admin.email, "password": PASSWORD,
                                           "next": target, "csrf_token": csrf_from(page.text)},
                           follow_redirects=False)
    assert response.headers["location"] == "/"


def test_login_returns_to_the_page_asked_for(client, factory):
    setup = factory.company(api=False)
    first = client.get("/account/audit", follow_redirects=False)
    assert first.headers["location"] == "/login?next=/account/audit"
    page = client.get(first.headers["location"])
    assert 'name="next" value="/account/audit"' in page.text
    response = client.post("/login", data={"email": setup.admin.email, "password": PASSWORD,
                                           "next": "/account/audit",
                                           "csrf_token": csrf_from(page.text)},
                           follow_redirects=False)
    assert response.headers["location"] == "/account/audit"


def test_password_change_keeps_this_session_and_ends_others(client, factory, app):
    from starlette.testclient import TestClient

    setup = factory.company(api=False)
    logged_in(client, setup.admin.email)
    with TestClient(app) as other:
        logged_in(other, setup.admin.email)
        new = "a brand new password"
        response = post_form(client, "/account", "/account/password", {
            "current_password": PASSWORD, "new_password": new, "repeat_password": new})
        assert response.status_code == 303
        assert client.get("/account").status_code == 200
        assert other.get("/account", follow_redirects=False).status_code == 303
    assert login(client, setup.admin.email, new).status_code == 303


def test_password_change_with_wrong_current_password_is_refused(client, factory, runtime):
    setup = factory.company(api=False)
    logged_in(client, setup.admin.email)
    response = post_form(client, "/account", "/account/password", {
        "current_password": "nope", "new_password": "x" * 12, "repeat_password": "x" * 12})
    assert response.status_code == 422
    assert "The current password is not correct." in response.text
    with runtime.sessions() as s:
        hashed = s.scalar(select(Contact.password_hash).where(Contact.id == setup.admin.id))
    assert runtime.passwords.verify(hashed, PASSWORD)


def test_support_user_logs_in_to_the_console(client, factory):
    support = factory.support_user()
    response = login(client, support.email)
    assert response.headers["location"] == "/login/two-factor"  # support always has 2FA
    logged_in(client, support.email)
    assert client.get("/support").status_code == 200
    with factory.runtime.sessions() as s:
        rows = s.scalars(select(AuditEvent).where(AuditEvent.event == "session.login",
                                                  AuditEvent.actor_kind == "support",
                                                  AuditEvent.actor_id == support.id)).all()
    assert len(rows) == 1


def test_pages_carry_security_headers(client):
    page = client.get("/login")
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"


def test_inactive_support_account_cannot_log_in(client, factory, runtime):
    from bidbridge.models import SupportUser

    support = factory.support_user()
    with runtime.sessions() as s, s.begin():
        s.get(SupportUser, support.id).active = False
    response = login(client, support.email)
    assert response.status_code == 403
    assert client.get("/support", follow_redirects=False).status_code == 303


def test_support_has_no_company_pages(client, factory):
    support = factory.support_user()
    logged_in(client, support.email)
    assert client.get("/account").status_code == 404
    assert client.get("/account/api").status_code == 404
    assert client.get("/account/audit").status_code == 404
    assert client.get("/", follow_redirects=False).headers["location"] == "/support"
