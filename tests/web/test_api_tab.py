"""My Account → API: the tab's presence, and generating, regenerating and revoking the key."""

from __future__ import annotations

import html

from sqlalchemy import inspect, select, text

from bidbridge.models import ApiKey
from bidbridge.services import api_access
from bidbridge.services.context import Actor
from tests.factories import auth
from tests.web.helpers import csrf_from, logged_in, post_form, shown_key

TOKENS = "/rest/subcontractor/v1/tokens"
ME = "/rest/subcontractor/v1/me"


def _token(client, login: str, key: str) -> str:
    response = client.post(TOKENS, data={"login": login, "apiKey": key})
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def test_api_tab_absent_when_module_inactive(client, factory):
    setup = factory.company(api=False)
    logged_in(client, setup.admin.email)
    page = client.get("/account")
    assert 'href="/account/api"' not in page.text
    assert client.get("/account/api", headers={"accept": "text/html"}).status_code == 404


def test_api_tab_disappears_when_support_deactivates(client, factory, runtime):
    setup = factory.company(with_key=False)
    logged_in(client, setup.api_user.email)
    assert 'href="/account/api"' in client.get("/account").text
    with runtime.sessions() as s, s.begin():
        api_access.deactivate_api(s, factory.ctx(Actor("support", None, "S")), s.merge(setup.company))
    assert 'href="/account/api"' not in client.get("/account").text
    assert client.get("/account/api").status_code == 404


def test_generate_shows_key_once_and_it_works(client, factory, runtime):
    setup = factory.company(with_key=False)
    logged_in(client, setup.api_user.email)
    page = client.get("/account/api")
    assert page.status_code == 200
    assert ">Generate API key</button>" in page.text
    assert shown_key(page.text) is None

    response = post_form(client, "/account/api", "/account/api/generate")
    assert response.status_code == 200
    key = shown_key(response.text)
    assert key is not None and key.startswith("bb_")
    assert "will not be shown again" in response.text
    assert ">Copy</button>" in response.text
    assert response.headers["cache-control"] == "no-store"
    assert key not in str(response.url)

    token = _token(client, setup.api_user.email, key)
    me = client.get(ME, headers=auth(token))
    assert me.status_code == 200
    assert me.json()["contact"]["email"] == setup.api_user.email

    after = client.get("/account/api")
    assert key not in after.text
    prefix = key[:19]  # "bb_" and the 16-hex key id
    assert prefix in after.text
    assert "Generate API key" not in after.text
    assert "Regenerate" in after.text and "Revoke" in after.text
    assert "Last used" in after.text
    assert [e.event for e in factory.events(setup.company.id) if e.event.startswith("api_key")] \
        == ["api_key.generated"]


def test_raw_key_is_not_stored_in_any_table(client, factory, runtime):
    setup = factory.company(with_key=False)
    logged_in(client, setup.api_user.email)
    key = shown_key(post_form(client, "/account/api", "/account/api/generate").text)
    assert key is not None
    secret = key[20:]
    token = _token(client, setup.api_user.email, key)
    with runtime.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                dumped = repr(tuple(row))
                assert secret not in dumped, f"the key's secret is stored in {table}"
                assert token not in dumped, f"a raw token is stored in {table}"


def test_second_generate_does_not_replace_the_key(client, factory, runtime):
    setup = factory.company(with_key=False)
    logged_in(client, setup.api_user.email)
    first = shown_key(post_form(client, "/account/api", "/account/api/generate").text)
    page = client.get("/account/api")
    again = client.post("/account/api/generate", data={"csrf_token": csrf_from(page.text)})
    assert again.status_code == 409
    assert "Use Regenerate" in again.text
    assert shown_key(again.text) is None
    assert _token(client, setup.api_user.email, first)


def test_regenerate_needs_confirmation_and_kills_old_key_and_tokens(client, factory, runtime):
    setup = factory.company(with_key=False)
    logged_in(client, setup.api_user.email)
    old_key = shown_key(post_form(client, "/account/api", "/account/api/generate").text)
    old_token = _token(client, setup.api_user.email, old_key)

    confirm = client.get("/account/api/regenerate")
    assert confirm.status_code == 200
    assert "stop working at once" in confirm.text
    unconfirmed = post_form(client, "/account/api", "/account/api/regenerate")
    assert unconfirmed.status_code == 303
    assert unconfirmed.headers["location"] == "/account/api/regenerate"
    assert client.get(ME, headers=auth(old_token)).status_code == 200

    response = post_form(client, "/account/api/regenerate", "/account/api/regenerate",
                         {"confirm": "yes"})
    assert response.status_code == 200
    new_key = shown_key(response.text)
    assert new_key is not None and new_key != old_key
    refused = client.get(ME, headers=auth(old_token))
    assert refused.status_code == 401
    assert refused.json()["code"] == "token_invalid"
    bad = client.post(TOKENS, data={"login": setup.api_user.email, "apiKey": old_key})
    assert bad.status_code == 401
    new_token = _token(client, setup.api_user.email, new_key)
    assert client.get(ME, headers=auth(new_token)).status_code == 200
    assert factory.events(setup.company.id, "api_key.regenerated")[0].actor_id == setup.api_user.id


def test_revoke_after_confirmation(client, factory, runtime):
    setup = factory.company(with_key=False)
    logged_in(client, setup.api_user.email)
    key = shown_key(post_form(client, "/account/api", "/account/api/generate").text)
    token = _token(client, setup.api_user.email, key)
    assert "Revoke the API key?" in client.get("/account/api/revoke").text
    response = post_form(client, "/account/api/revoke", "/account/api/revoke", {"confirm": "yes"})
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert "The API key was revoked" in page.text
    assert ">Generate API key</button>" in page.text
    assert client.get(ME, headers=auth(token)).json()["code"] == "token_invalid"
    with runtime.sessions() as s:
        row = s.scalar(select(ApiKey).where(ApiKey.contact_id == setup.api_user.id))
        assert row.revoked_reason == "revoked"
    assert len(factory.events(setup.company.id, "api_key.revoked")) == 1


def test_other_contact_sees_who_the_api_user_is(client, factory):
    setup = factory.company(with_key=False)
    logged_in(client, setup.admin.email)
    page = client.get("/account/api")
    assert page.status_code == 200
    assert setup.api_user.name in page.text
    assert setup.api_user.email in page.text
    assert "Platform support designates and changes the API user" in page.text
    assert "Generate API key" not in page.text
    refused = post_form(client, "/account/api", "/account/api/generate")
    assert refused.status_code == 403
    assert "Only your company's designated API user" in html.unescape(refused.text)


def test_key_routes_refuse_an_api_token_without_a_browser_session(client, factory, runtime):
    setup = factory.company()
    token = _token(client, setup.api_user.email, setup.api_key)
    with runtime.sessions() as s:
        before = s.scalars(select(ApiKey.id).where(ApiKey.contact_id == setup.api_user.id)).all()
    for path in ("/account/api/generate", "/account/api/regenerate", "/account/api/revoke"):
        response = client.post(path, headers=auth(token), data={"confirm": "yes"},
                               follow_redirects=False)
        assert response.status_code == 403, path
        assert "bb_" not in response.text
    assert client.get("/account/api", headers=auth(token),
                      follow_redirects=False).headers["location"].startswith("/login")
    with runtime.sessions() as s:
        after = s.scalars(select(ApiKey.id).where(ApiKey.contact_id == setup.api_user.id,
                                                  ApiKey.revoked_at.is_(None))).all()
    assert after == before
    assert client.get(ME, headers=auth(token)).status_code == 200
