"""A token minted before the API module was switched off stays dead after it is switched on."""

from __future__ import annotations

from bidbridge.models import Company
from bidbridge.services import api_access
from bidbridge.services.context import Actor
from tests.factories import auth, get_token


def _switch(factory, company_id: int, on: bool) -> None:
    with factory.runtime.sessions() as s, s.begin():
        company = s.get(Company, company_id)
        ctx = factory.ctx(Actor("support", None, "Test Support"))
        (api_access.activate_api if on else api_access.deactivate_api)(s, ctx, company)


def test_reactivating_the_module_does_not_revive_old_tokens(client, factory, clock):
    setup = factory.company()
    old = get_token(client, setup)
    assert client.get("/rest/subcontractor/v1/me", headers=auth(old)).status_code == 200
    _switch(factory, setup.company.id, False)
    refused = client.get("/rest/subcontractor/v1/me", headers=auth(old))
    assert refused.status_code == 403 and refused.json()["code"] == "api_not_activated"
    clock.advance(1)
    _switch(factory, setup.company.id, True)
    dead = client.get("/rest/subcontractor/v1/me", headers=auth(old))
    assert dead.status_code == 401, dead.text
    assert dead.json()["code"] == "token_invalid"
    assert "new token" in dead.json()["detail"]
    # The key survived: asking again (without forceNew) mints a new token, not the old one.
    new = get_token(client, setup)
    assert new != old
    assert client.get("/rest/subcontractor/v1/me", headers=auth(new)).status_code == 200


def test_a_deactivation_within_the_same_second_still_kills_the_token(client, factory):
    setup = factory.company()
    old = get_token(client, setup)
    _switch(factory, setup.company.id, False)
    _switch(factory, setup.company.id, True)
    assert client.get("/rest/subcontractor/v1/me", headers=auth(old)).status_code == 401
    fresh = get_token(client, setup)
    assert fresh != old
    assert client.get("/rest/subcontractor/v1/me", headers=auth(fresh)).status_code == 200
