"""Calling functions: the token header, refusals, methods, parameter validation, problem details."""

from bidbridge.models import Company, Contact
from bidbridge.services import accounts, api_access
from bidbridge.services.context import Actor
from tests.factories import auth, get_token

ME = "/rest/subcontractor/v1/me"
AUDIT = "/rest/subcontractor/v1/audit-log"


def test_missing_header(client):
    response = client.get(ME)
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "token_missing"
    assert {"type", "title", "status", "detail"} <= set(body)
    assert response.headers["content-type"] == "application/problem+json"


def test_unknown_token(client):
    response = client.get(ME, headers=auth("ab" * 64))
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"


def test_deactivated_module_refuses_unexpired_token(client, factory, runtime):
    setup = factory.company()
    token = get_token(client, setup)
    with runtime.sessions() as s, s.begin():
        api_access.deactivate_api(s, factory.ctx(Actor("support", None, "S")),
                                  s.get(Company, setup.company.id))
    response = client.get(ME, headers=auth(token))
    assert response.status_code == 403
    assert response.json()["code"] == "api_not_activated"
    assert "support" in response.json()["detail"]
    with runtime.sessions() as s, s.begin():
        api_access.activate_api(s, factory.ctx(Actor("support", None, "S")),
                                s.get(Company, setup.company.id))
    # A token minted before the deactivation stays dead (issue 11); the key gets a new one.
    revived = client.get(ME, headers=auth(token))
    assert revived.status_code == 401 and revived.json()["code"] == "token_invalid"
    assert client.get(ME, headers=auth(get_token(client, setup))).status_code == 200


def test_changing_the_api_user_invalidates_tokens(client, factory, runtime):
    setup = factory.company()
    token = get_token(client, setup)
    newcomer = factory.contact(setup.company)
    with runtime.sessions() as s, s.begin():
        api_access.designate_api_user(s, factory.ctx(Actor("support", None, "S")),
                                      s.get(Company, setup.company.id), s.get(Contact, newcomer.id))
    response = client.get(ME, headers=auth(token))
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"
    # The former user's key no longer buys tokens either.
    again = client.post("/rest/subcontractor/v1/tokens",
                        data={"login": setup.login, "apiKey": setup.api_key})
    assert again.json()["code"] == "invalid_credentials"


def test_regenerated_key_kills_old_tokens(client, factory):
    setup = factory.company()
    token = get_token(client, setup)
    new_key = factory.generate_key(setup.api_user)
    assert client.get(ME, headers=auth(token)).json()["code"] == "token_invalid"
    fresh = client.post("/rest/subcontractor/v1/tokens",
                        data={"login": setup.login, "apiKey": new_key})
    assert fresh.status_code == 200
    assert client.get(ME, headers=auth(fresh.json()["token"])).status_code == 200


def test_deactivated_api_user_is_refused(client, factory, runtime):
    setup = factory.company()
    token = get_token(client, setup)
    with runtime.sessions() as s, s.begin():
        accounts.set_contact_active(s, factory.ctx(), s.get(Contact, setup.api_user.id), False)
    assert client.get(ME, headers=auth(token)).json()["code"] == "token_invalid"
    assert factory.module(setup.company.id).api_user_id is None


def test_wrong_method_names_the_right_one(client, factory):
    setup = factory.company()
    token = get_token(client, setup)
    response = client.post(ME, headers=auth(token))
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert "GET" in response.json()["detail"] and "getMe" in response.json()["detail"]
    assert response.headers["allow"] == "GET"
    get_on_post = client.get(AUDIT, headers=auth(token))
    assert get_on_post.status_code == 405
    assert "POST" in get_on_post.json()["detail"]


def test_every_bad_parameter_is_listed(client, factory):
    setup = factory.company()
    token = get_token(client, setup)
    response = client.post(AUDIT, headers=auth(token),
                           data={"limit": "201", "source": "eventsXYZ", "since": "12abc",
                                 "color": "red"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_parameters"
    by_name = {e["parameter"]: e for e in body["errors"]}
    assert set(by_name) == {"limit", "source", "since", "color"}
    assert by_name["color"]["problem"] == "unknown"
    # The modelled platform's ungrouped patterns would accept these; ours do not.
    assert by_name["source"]["problem"] == "pattern"
    assert by_name["since"]["problem"] == "pattern"
    assert by_name["limit"]["expected"] == "a whole number from 1 to 200"


def test_missing_required_parameter(client):
    response = client.post("/rest/subcontractor/v1/tokens", data={"login": "a@b.example"})
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["parameter"] == "apiKey" and error["problem"] == "missing"


def test_query_parameters_in_the_url_are_pointed_to_the_body(client, factory):
    setup = factory.company()
    token = get_token(client, setup)
    response = client.post(AUDIT + "?limit=5", headers=auth(token))
    assert response.status_code == 422
    assert "request body" in response.json()["errors"][0]["message"]


def test_malformed_json_body(client):
    response = client.post("/rest/subcontractor/v1/tokens", content=b"{nope",
                           headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_body"


def test_unknown_function_path(client):
    response = client.get("/rest/subcontractor/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["code"] == "unknown_function"


def test_request_id_is_echoed_when_sane(client):
    response = client.get(ME, headers={"X-Request-Id": "sync-job-000123"})
    assert response.headers["x-request-id"] == "sync-job-000123"
    assert response.json()["requestId"] == "sync-job-000123"
    other = client.get(ME, headers={"X-Request-Id": "bad id with spaces"})
    assert other.headers["x-request-id"] != "bad id with spaces"


def test_get_company_and_contacts(client, factory):
    setup = factory.company()
    token = get_token(client, setup)
    company = client.get("/rest/subcontractor/v1/company", headers=auth(token)).json()
    assert company["id"] == setup.company.id and company["apiUserId"] == setup.api_user.id
    contacts = client.get("/rest/subcontractor/v1/contacts", headers=auth(token)).json()
    assert {c["email"] for c in contacts} == {setup.admin.email, setup.api_user.email}
    assert [c["isApiUser"] for c in contacts if c["email"] == setup.login] == [True]


def test_one_company_never_sees_another(client, factory):
    mine = factory.company()
    theirs = factory.company()
    token = get_token(client, mine)
    get_token(client, theirs)
    contacts = client.get("/rest/subcontractor/v1/contacts", headers=auth(token)).json()
    assert theirs.api_user.email not in {c["email"] for c in contacts}
    log = client.post(AUDIT, headers=auth(token), data={"source": "requests"}).json()
    assert {r["contactId"] for r in log["requests"]} <= {mine.api_user.id}
    events = client.post(AUDIT, headers=auth(token)).json()["events"]
    assert events and all(e["targetLabel"] != theirs.company.name for e in events)


def test_problem_extensions_never_override_standard_members():
    from bidbridge.api.problem import problem_body

    body = problem_body(409, "x", "Conflict", "d", {"status": "shadow", "code": "y", "rfpStatus": "s"})
    assert (body["status"], body["code"], body["rfpStatus"]) == (409, "x", "s")
