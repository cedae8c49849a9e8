"""Two-factor login (TOTP): required for support, optional for contacts, required per company
by an administrator; recovery codes; wrong codes throttled like passwords."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
from sqlalchemy import select

from bidbridge.models import AuditEvent, TwoFactor
from tests.factories import TWO_FACTOR
from tests.web.helpers import csrf_from, logged_in, login, post_form

SECRET = re.compile(r'id="totp-secret">([A-Z2-7 ]+)</code>')


def _secret(html: str) -> str:
    match = SECRET.search(html)
    assert match, "the enrolment page shows no key"
    return match.group(1).replace(" ", "")


def _codes(html: str) -> list[str]:
    return re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", html)


def test_a_new_support_account_enrols_at_its_first_login(client, factory, runtime, clock):
    support = factory.support_user(enrolled=False)
    first = login(client, support.email)
    assert first.headers["location"] == "/login/two-factor/enrol"
    assert client.get("/support", follow_redirects=False).status_code == 303  # not in yet
    page = client.get("/login/two-factor/enrol")
    assert page.status_code == 200 and 'src="data:image/svg+xml' in page.text
    secret = _secret(page.text)
    wrong = client.post("/login/two-factor/enrol", data={"code": "000000",
                                                         "csrf_token": csrf_from(page.text)})
    assert wrong.status_code == 401 and "not right" in wrong.text
    assert _secret(wrong.text) == secret  # the same secret until it is confirmed
    done = post_form(client, "/login/two-factor/enrol", "/login/two-factor/enrol",
                     {"code": pyotp.TOTP(secret).at(clock.now())})
    assert done.status_code == 200, done.text
    codes = _codes(done.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/support").status_code == 200
    with runtime.sessions() as s:
        row = s.scalar(select(TwoFactor).where(TwoFactor.account_kind == "support",
                                               TwoFactor.account_id == support.id))
        events = s.scalars(select(AuditEvent.event).where(
            AuditEvent.target_id == support.id, AuditEvent.target_type == "support_user")).all()
    assert secret not in row.secret_sealed
    assert not any(c in str(row.recovery_digests) or c.replace("-", "") in str(row.recovery_digests)
                   for c in codes)
    assert "two_factor.enrolled" in events and "session.login" in events


def test_login_with_a_code_computed_from_the_secret_and_no_replay(app, client, factory, clock):
    support = factory.support_user()
    secret = TWO_FACTOR[support.email][0]
    assert login(client, support.email).headers["location"] == "/login/two-factor"
    assert client.get("/support", follow_redirects=False).status_code == 303
    code = pyotp.TOTP(secret).at(clock.now() + timedelta(seconds=30))
    clock.advance(30)
    ok = post_form(client, "/login/two-factor", "/login/two-factor", {"code": code})
    assert ok.status_code == 303 and ok.headers["location"] == "/support"
    assert client.get("/support").status_code == 200
    from starlette.testclient import TestClient

    other = TestClient(app, base_url="http://testserver")
    login(other, support.email)
    replay = post_form(other, "/login/two-factor", "/login/two-factor", {"code": code})
    assert replay.status_code == 401  # the same code, the same time step: used already


def test_a_recovery_code_works_once(client, factory):
    support = factory.support_user()
    code = TWO_FACTOR[support.email][1][0]
    login(client, support.email)
    assert post_form(client, "/login/two-factor", "/login/two-factor",
                     {"code": code.upper()}).status_code == 303
    post_form(client, "/support", "/logout")
    login(client, support.email)
    assert post_form(client, "/login/two-factor", "/login/two-factor",
                     {"code": code}).status_code == 401


def test_wrong_codes_are_throttled_like_passwords(client, factory, runtime, clock):
    support = factory.support_user()
    secret = TWO_FACTOR[support.email][0]
    login(client, support.email)
    for _ in range(runtime.settings.login_failure_limit):
        assert post_form(client, "/login/two-factor", "/login/two-factor",
                         {"code": "123456"}).status_code == 401
    right = pyotp.TOTP(secret).at(clock.now())
    blocked = post_form(client, "/login/two-factor", "/login/two-factor", {"code": right})
    assert blocked.status_code == 429 and "retry-after" in blocked.headers
    with runtime.sessions() as s:
        reasons = s.scalars(select(AuditEvent.data).where(
            AuditEvent.event == "session.login_failed", AuditEvent.target_id == support.id)).all()
    assert [r["reason"] for r in reasons].count("wrong_code") == runtime.settings.login_failure_limit


def test_two_factor_is_optional_for_a_contact_who_can_turn_it_on(client, factory, clock):
    setup = factory.company(api=False)
    logged_in(client, setup.admin.email)  # no second factor asked
    assert client.get("/account").status_code == 200
    security = client.get("/account/security")
    assert "Set up two-factor login" in security.text
    page = client.get("/login/two-factor/enrol")
    secret = _secret(page.text)
    done = post_form(client, "/login/two-factor/enrol", "/login/two-factor/enrol",
                     {"code": pyotp.TOTP(secret).at(clock.now())})
    assert len(_codes(done.text)) == 10
    assert "Recovery codes left: <strong>10</strong>" in client.get("/account/security").text
    post_form(client, "/account", "/logout")
    assert login(client, setup.admin.email).headers["location"] == "/login/two-factor"


def test_an_administrator_requires_two_factor_for_the_company(app, client, factory, clock):
    from starlette.testclient import TestClient

    setup = factory.company(api=False)
    colleague = factory.contact(setup.company)
    other = TestClient(app, base_url="http://testserver")
    logged_in(other, colleague.email)
    logged_in(client, setup.admin.email)
    required = post_form(client, "/account/security", "/account/security/company-requirement",
                         {"required": "yes"})
    assert required.status_code == 303
    assert other.get("/account", follow_redirects=False).status_code == 303  # logged out
    assert login(other, colleague.email).headers["location"] == "/login/two-factor/enrol"
    events = [e.event for e in factory.events(setup.company.id)]
    assert "company.two_factor_required" in events


def test_support_cannot_turn_two_factor_off(client, factory):
    support = factory.support_user()
    logged_in(client, support.email)
    refused = post_form(client, "/support/security", "/account/security/two-factor/off",
                        {"code": "123456"})
    assert refused.status_code == 409


def test_only_an_administrator_sets_the_company_requirement(client, factory):
    setup = factory.company(api=False)
    user = factory.contact(setup.company)
    logged_in(client, user.email)
    refused = post_form(client, "/account/security", "/account/security/company-requirement",
                        {"required": "yes"})
    assert refused.status_code == 404
    assert "Two-factor login at" not in client.get("/account/security").text
