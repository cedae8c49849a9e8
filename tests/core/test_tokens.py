"""getToken: the shape of the answer, the one-hour life, reuse and forceNew, refusals, throttling."""

import re

from sqlalchemy import select

from bidbridge.models import ApiToken, CompanyKind
from bidbridge.services import api_access
from bidbridge.services.context import Actor
from tests.factories import auth, get_token

TOKENS = "/rest/subcontractor/v1/tokens"
ME = "/rest/subcontractor/v1/me"


def token_call(client, login, key, **extra):
    return client.post(TOKENS, data={"login": login, "apiKey": key, **extra})


def test_token_answer_has_the_documented_shape(client, factory, clock):
    setup = factory.company()
    response = token_call(client, setup.login, setup.api_key)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expireDate", "expiresIn"}
    assert re.fullmatch(r"[0-9a-f]{128}", body["token"])
    assert body["expireDate"] == str(int(clock.now().timestamp()) + 3600)
    assert body["expiresIn"] == 3600
    assert response.headers["x-request-id"]


def test_json_body_is_accepted_like_a_form(client, factory):
    setup = factory.company()
    response = client.post(TOKENS, json={"login": setup.login, "apiKey": setup.api_key,
                                         "forceNew": 1})
    assert response.status_code == 200, response.text


def test_token_valid_until_exactly_one_hour(client, factory, clock):
    setup = factory.company()
    token = get_token(client, setup)
    clock.advance(3599)
    assert client.get(ME, headers=auth(token)).status_code == 200
    clock.advance(1)
    refused = client.get(ME, headers=auth(token))
    assert refused.status_code == 401
    body = refused.json()
    assert body["code"] == "token_expired"
    assert "Request a new token with your API key" in body["detail"]
    assert body["expiredAt"] == int(clock.now().timestamp())


def test_asking_again_returns_same_token_with_original_expiry(client, factory, clock):
    setup = factory.company()
    first = token_call(client, setup.login, setup.api_key).json()
    clock.advance(1200)
    second = token_call(client, setup.login, setup.api_key).json()
    assert second["token"] == first["token"]
    assert second["expireDate"] == first["expireDate"]
    assert second["expiresIn"] == 2400


def test_force_new_mints_another_and_the_old_one_lives_on(client, factory, clock):
    setup = factory.company()
    first = token_call(client, setup.login, setup.api_key).json()
    clock.advance(600)
    second = token_call(client, setup.login, setup.api_key, forceNew="1").json()
    assert second["token"] != first["token"]
    assert int(second["expireDate"]) == int(first["expireDate"]) + 600
    assert client.get(ME, headers=auth(first["token"])).status_code == 200
    clock.advance(3000)  # first expired, second still valid
    assert client.get(ME, headers=auth(first["token"])).json()["code"] == "token_expired"
    assert client.get(ME, headers=auth(second["token"])).status_code == 200
    # Without forceNew the newest valid token is handed back.
    assert token_call(client, setup.login, setup.api_key).json()["token"] == second["token"]


def test_unknown_login_and_wrong_key_answer_identically(client, factory):
    setup = factory.company()
    other = factory.company()
    wrong_key = token_call(client, setup.login, other.api_key)
    unknown_login = token_call(client, "nobody@test.example", setup.api_key)
    tampered = token_call(client, setup.login, setup.api_key[:-1] + ("A" if setup.api_key[-1] != "A"
                                                                     else "B"))
    for response in (wrong_key, unknown_login, tampered):
        assert response.status_code == 401
        body = response.json()
        body.pop("requestId")
        assert body == {
            "type": "https://bidbridge.dev/problems/invalid_credentials",
            "title": "Unauthorized", "status": 401, "code": "invalid_credentials",
            "detail": wrong_key.json()["detail"]}


def test_only_the_designated_api_user_of_an_active_module_gets_tokens(client, factory, runtime):
    setup = factory.company()
    with runtime.sessions() as s, s.begin():
        from bidbridge.models import Company
        company = s.get(Company, setup.company.id)
        api_access.deactivate_api(s, factory.ctx(Actor("support", None, "S")), company)
    response = token_call(client, setup.login, setup.api_key)
    assert response.status_code == 403
    assert response.json()["code"] == "api_not_activated"
    assert "support" in response.json()["detail"]


def test_subcontractor_key_gets_no_contractor_token(client, factory):
    setup = factory.company()
    response = client.post("/rest/contractor/v1/tokens",
                           data={"login": setup.login, "apiKey": setup.api_key})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    contractor = factory.company(CompanyKind.CONTRACTOR)
    ok = client.post("/rest/contractor/v1/tokens",
                     data={"login": contractor.login, "apiKey": contractor.api_key})
    assert ok.status_code == 200


def test_failures_are_throttled_per_login_with_retry_after(client, factory, runtime):
    setup = factory.company()
    other = factory.company()
    limit = runtime.settings.auth_failure_limit
    for _ in range(limit):
        assert token_call(client, setup.login, other.api_key).status_code == 401
    throttled = token_call(client, setup.login, setup.api_key)  # even the right key waits
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "too_many_failures"
    assert int(throttled.headers["retry-after"]) > 0


def test_failures_are_throttled_per_client_address(client, factory, runtime):
    target = factory.company()
    limit = runtime.settings.auth_failure_address_limit
    for i in range(limit):
        token_call(client, f"guess{i}@test.example", target.api_key)
    throttled = token_call(client, target.login, target.api_key)
    assert throttled.status_code == 429
    assert "Retry after" in throttled.json()["detail"]


def test_malformed_key_is_a_parameter_error_naming_apikey(client, factory):
    setup = factory.company()
    response = token_call(client, setup.login, "not-a-key")
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [e["parameter"] for e in errors] == ["apiKey"]
    assert "not-a-key" not in response.text  # secrets are not echoed


def test_only_digests_are_stored(client, factory, runtime):
    setup = factory.company()
    token = get_token(client, setup)
    with runtime.sessions() as s:
        rows = s.scalars(select(ApiToken)).all()
        assert all(token not in (r.nonce, r.token_digest) for r in rows)


def test_expires_in_is_the_full_hour_even_between_seconds(client, factory, clock):
    # The system clock is rarely on a whole second: a token minted at .7 s still reports 3600.
    setup = factory.company()
    clock.set(clock.now().replace(microsecond=700_000))
    first = token_call(client, setup.login, setup.api_key).json()
    assert first["expiresIn"] == 3600
    assert int(first["expireDate"]) == int(clock.now().timestamp()) + 3600
    # Handed back later: the seconds actually left until expireDate, same token, same expiry.
    clock.advance(1000.5)
    again = token_call(client, setup.login, setup.api_key).json()
    assert again["token"] == first["token"] and again["expireDate"] == first["expireDate"]
    assert again["expiresIn"] == int(first["expireDate"]) - int(clock.now().timestamp())
    assert again["expiresIn"] == 2599
    fresh = token_call(client, setup.login, setup.api_key, forceNew="1").json()
    assert fresh["expiresIn"] == 3600 and fresh["token"] != first["token"]
    # Valid for exactly one hour from the instant it was minted, not from the whole second.
    clock.advance(3600 - 1000.5 - 0.001)
    assert client.get(ME, headers=auth(first["token"])).status_code == 200
    clock.advance(0.001)
    assert client.get(ME, headers=auth(first["token"])).json()["code"] == "token_expired"
