"""The support console: find companies, switch the API module, designate the API user."""

from __future__ import annotations

import html

from bidbridge.services import accounts
from bidbridge.services.context import Actor
from tests.factories import auth, get_token
from tests.web.helpers import logged_in, post_form


def _support(client, factory):
    support = factory.support_user()
    logged_in(client, support.email)
    return support


def test_console_is_for_support_only(client, factory):
    assert client.get("/support", follow_redirects=False).headers["location"] == (
        "/login?next=/support")
    setup = factory.company()
    logged_in(client, setup.admin.email)
    assert client.get("/support").status_code == 404
    assert client.get(f"/support/companies/{setup.company.id}").status_code == 404
    refused = post_form(client, "/account", f"/support/companies/{setup.company.id}/deactivate")
    assert refused.status_code == 404
    assert factory.module(setup.company.id).active is True


def test_search_lists_companies_with_module_state(client, factory):
    active = factory.company(with_key=False)
    inactive = factory.company(api=False)
    _support(client, factory)
    page = client.get("/support", params={"q": active.company.name})
    assert page.status_code == 200
    assert f'/support/companies/{active.company.id}"' in page.text
    assert f'/support/companies/{inactive.company.id}"' not in page.text
    assert "badge-on\">active" in page.text
    none = client.get("/support", params={"q": "no-such-company-xyz"})
    assert "No company matches" in none.text


def test_company_page_shows_module_api_user_and_contacts(client, factory):
    setup = factory.company()
    _support(client, factory)
    page = html.unescape(client.get(f"/support/companies/{setup.company.id}").text)
    assert setup.company.name in page
    assert "by Test Support" in page
    assert setup.api_user.name in page and setup.admin.email in page
    assert setup.api_key[:19] in page
    assert setup.api_key not in page
    assert client.get("/support/companies/999999999").status_code == 404


def test_activate_with_api_user_then_deactivate(client, factory):
    setup = factory.company(api=False)
    support = _support(client, factory)
    path = f"/support/companies/{setup.company.id}"
    response = post_form(client, path, path + "/activate", {"api_user_id": str(setup.admin.id)})
    assert response.status_code == 303
    assert "The API module is active." in client.get(response.headers["location"]).text
    module = factory.module(setup.company.id)
    assert module.active and module.api_user_id == setup.admin.id
    assert module.activated_by_name == support.name

    key = factory.generate_key(setup.admin)
    login = {"login": setup.admin.email, "apiKey": key}
    token = client.post("/rest/subcontractor/v1/tokens", data=login).json()["token"]
    assert client.get("/rest/subcontractor/v1/me", headers=auth(token)).status_code == 200

    response = post_form(client, path, path + "/deactivate")
    assert response.status_code == 303
    assert factory.module(setup.company.id).active is False
    refused = client.get("/rest/subcontractor/v1/me", headers=auth(token))
    assert refused.status_code == 403 and refused.json()["code"] == "api_not_activated"

    events = [e for e in factory.events(setup.company.id) if e.event.startswith("api_")]
    assert [(e.event, e.actor_kind, e.actor_id, e.actor_name) for e in events
            if e.event != "api_key.generated"] == [
        ("api_module.activated", "support", support.id, support.name),
        ("api_user.designated", "support", support.id, support.name),
        ("api_module.deactivated", "support", support.id, support.name),
    ]
    assert all(e.client_ip == "testclient" for e in events if e.actor_kind == "support")


def test_designate_another_api_user_cuts_the_old_one(client, factory):
    setup = factory.company()
    old_token = get_token(client, setup)
    other = factory.contact(setup.company)
    support = _support(client, factory)
    path = f"/support/companies/{setup.company.id}"
    response = post_form(client, path, path + "/api-user", {"api_user_id": str(other.id)})
    assert response.status_code == 303
    assert factory.module(setup.company.id).api_user_id == other.id
    refused = client.get("/rest/subcontractor/v1/me", headers=auth(old_token))
    assert refused.json()["code"] == "token_invalid"
    designated = factory.events(setup.company.id, "api_user.designated")[-1]
    assert (designated.actor_kind, designated.actor_id, designated.target_id) == (
        "support", support.id, other.id)


def test_designation_refuses_inactive_and_foreign_contacts(client, factory, runtime):
    setup = factory.company()
    stranger = factory.company(api=False)
    gone = factory.contact(setup.company)
    with runtime.sessions() as s, s.begin():
        accounts.set_contact_active(s, factory.ctx(Actor.system()), s.merge(gone), False)
    _support(client, factory)
    path = f"/support/companies/{setup.company.id}"
    page = client.get(path).text
    assert f'value="{gone.id}"' not in page  # only active contacts are offered
    foreign = post_form(client, path, path + "/api-user", {"api_user_id": str(stranger.admin.id)})
    assert foreign.status_code == 422
    assert "Choose one of this company" in html.unescape(foreign.text)
    inactive = post_form(client, path, path + "/api-user", {"api_user_id": str(gone.id)})
    assert inactive.status_code == 422
    assert "is not active" in inactive.text
    assert factory.module(setup.company.id).api_user_id == setup.api_user.id
