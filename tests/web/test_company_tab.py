"""My Account → Company: a contractor's administrator switches the API module and picks its user."""

from __future__ import annotations

import html

from bidbridge.models import CompanyKind
from tests.factories import auth
from tests.web.helpers import logged_in, post_form, shown_key

TAB = "/account/company"
TOKENS = "/rest/contractor/v1/tokens"
ME = "/rest/contractor/v1/me"


def _contractor(factory):
    return factory.company(CompanyKind.CONTRACTOR, api=False)


def _api_events(factory, company_id: int) -> list[tuple[str, str, int | None, int | None]]:
    return [(e.event, e.actor_kind, e.actor_id, e.target_id)
            for e in factory.events(company_id) if e.event.startswith("api_")]


def test_tab_only_for_contractor_administrators(client, factory):
    setup = _contractor(factory)
    user = factory.contact(setup.company)
    subcontractor = factory.company(api=False)
    for email in (user.email, subcontractor.admin.email):
        logged_in(client, email)
        assert 'href="/account/company"' not in client.get("/account").text
        assert client.get(TAB).status_code == 404
        assert client.get(TAB + "/deactivate").status_code == 404
        refused = post_form(client, "/account", TAB + "/activate",
                            {"api_user_id": str(user.id)})
        assert refused.status_code == 404
    assert factory.module(setup.company.id) is None
    assert factory.module(subcontractor.company.id) is None

    logged_in(client, setup.admin.email)
    assert 'href="/account/company"' in client.get("/account").text
    page = html.unescape(client.get(TAB).text)
    assert "inactive" in page and "none designated" in page
    assert f'<option value="{user.id}">' in page


def test_admin_activates_api_user_gets_key_then_admin_deactivates(client, factory):
    setup = _contractor(factory)
    api_user = factory.contact(setup.company)
    logged_in(client, setup.admin.email)
    response = post_form(client, TAB, TAB + "/activate", {"api_user_id": str(api_user.id)})
    assert response.status_code == 303
    page = html.unescape(client.get(response.headers["location"]).text)
    assert "The API module is active." in page
    assert f"by {setup.admin.name}" in page and api_user.email in page
    module = factory.module(setup.company.id)
    assert module.active and module.api_user_id == api_user.id
    assert module.activated_by_name == setup.admin.name
    assert _api_events(factory, setup.company.id) == [
        ("api_module.activated", "contact", setup.admin.id, setup.company.id),
        ("api_user.designated", "contact", setup.admin.id, api_user.id),
    ]
    assert all(e.client_ip == "testclient" for e in factory.events(setup.company.id)
               if e.event.startswith("api_"))

    # The API tab appears for the contractor's users, as for subcontractors.
    logged_in(client, api_user.email)
    assert 'href="/account/api"' in client.get("/account").text
    assert 'href="/account/company"' not in client.get("/account").text
    generated = post_form(client, "/account/api", "/account/api/generate")
    key = shown_key(generated.text)
    assert key is not None
    assert "/rest/contractor/v1/tokens" in generated.text
    issued = client.post(TOKENS, data={"login": api_user.email, "apiKey": key})
    assert issued.status_code == 200, issued.text
    token = issued.json()["token"]
    me = client.get(ME, headers=auth(token))
    assert me.status_code == 200, me.text
    assert me.json()["contact"]["id"] == api_user.id
    assert me.json()["company"]["kind"] == "contractor"

    logged_in(client, setup.admin.email)
    not_confirmed = post_form(client, TAB, TAB + "/deactivate")
    assert not_confirmed.headers["location"] == TAB + "/deactivate"
    assert factory.module(setup.company.id).active is True
    confirm = client.get(TAB + "/deactivate")
    assert "Yes, deactivate the API module" in confirm.text
    response = post_form(client, TAB + "/deactivate", TAB + "/deactivate", {"confirm": "yes"})
    assert response.status_code == 303
    assert factory.module(setup.company.id).active is False
    refused = client.get(ME, headers=auth(token))
    assert refused.status_code == 403
    assert refused.json()["code"] == "api_not_activated"
    assert "company administrator" in refused.json()["detail"]
    assert _api_events(factory, setup.company.id)[-1] == (
        "api_module.deactivated", "contact", setup.admin.id, setup.company.id)

    logged_in(client, api_user.email)
    assert 'href="/account/api"' not in client.get("/account").text


def test_contractor_users_are_told_an_administrator_changes_the_api_user(client, factory):
    setup = _contractor(factory)
    api_user = factory.contact(setup.company)
    other = factory.contact(setup.company)
    logged_in(client, setup.admin.email)
    post_form(client, TAB, TAB + "/activate", {"api_user_id": str(api_user.id)})
    logged_in(client, other.email)
    page = html.unescape(client.get("/account/api").text)
    assert "A company administrator designates and changes the API user" in page
    assert "My Account → Company" in page
    assert "Platform support" not in page


def test_change_api_user_revokes_the_former_users_key(client, factory):
    setup = _contractor(factory)
    first, second = factory.contact(setup.company), factory.contact(setup.company)
    logged_in(client, setup.admin.email)
    post_form(client, TAB, TAB + "/activate", {"api_user_id": str(first.id)})
    key = factory.generate_key(first)
    token = client.post(TOKENS, data={"login": first.email, "apiKey": key}).json()["token"]
    response = post_form(client, TAB, TAB + "/api-user", {"api_user_id": str(second.id)})
    assert response.status_code == 303
    assert factory.module(setup.company.id).api_user_id == second.id
    assert client.get(ME, headers=auth(token)).json()["code"] == "token_invalid"
    assert _api_events(factory, setup.company.id)[-1][:3] == (
        "api_user.designated", "contact", setup.admin.id)


def test_form_without_csrf_token_changes_nothing(client, factory):
    setup = _contractor(factory)
    api_user = factory.contact(setup.company)
    logged_in(client, setup.admin.email)
    refused = client.post(TAB + "/activate", data={"api_user_id": str(api_user.id)})
    assert refused.status_code == 403
    assert "security token" in refused.text
    forged = client.post(TAB + "/activate", data={"api_user_id": str(api_user.id),
                                                  "csrf_token": "forged"})
    assert forged.status_code == 403
    assert factory.module(setup.company.id) is None
    assert _api_events(factory, setup.company.id) == []


def test_contact_of_another_company_is_refused_and_nothing_changes(client, factory):
    setup = _contractor(factory)
    own = factory.contact(setup.company)
    stranger = factory.company(CompanyKind.CONTRACTOR, api=False)
    logged_in(client, setup.admin.email)
    for action in ("/activate", "/api-user"):
        for raw in (str(stranger.admin.id), "999999999999", "x"):
            response = post_form(client, TAB, TAB + action, {"api_user_id": raw})
            assert response.status_code == 422, (action, raw)
            page = html.unescape(response.text)
            assert f"Choose one of the active contacts of {setup.company.name}" in page
            assert stranger.admin.email not in page and stranger.company.name not in page
    assert factory.module(setup.company.id) is None
    assert _api_events(factory, setup.company.id) == []

    post_form(client, TAB, TAB + "/activate", {"api_user_id": str(own.id)})
    response = post_form(client, TAB, TAB + "/api-user", {"api_user_id": str(stranger.admin.id)})
    assert response.status_code == 422
    assert factory.module(setup.company.id).api_user_id == own.id
    assert len(_api_events(factory, setup.company.id)) == 2
