"""The audit trail: a request-log row for every call, domain events in the same transaction."""

from sqlalchemy import select

from bidbridge.models import ApiRequest, AuditEvent, Contact
from bidbridge.services import accounts
from tests.factories import auth, get_token

AUDIT = "/rest/subcontractor/v1/audit-log"


def rows(runtime, company_id):
    with runtime.sessions() as s:
        return s.scalars(select(ApiRequest).where(ApiRequest.company_id == company_id)
                         .order_by(ApiRequest.id)).all()


def test_every_call_is_logged_refused_ones_included(client, factory, runtime, clock):
    setup = factory.company()
    token = get_token(client, setup)
    client.get("/rest/subcontractor/v1/me", headers={**auth(token), "User-Agent": "erp-sync/2.1"})
    client.post(AUDIT, headers=auth(token), data={"limit": "0"})
    clock.advance(3600)
    client.get("/rest/subcontractor/v1/me", headers=auth(token))
    logged = rows(runtime, setup.company.id)
    assert [(r.function, r.status, r.error_code) for r in logged] == [
        ("getToken", 200, None),
        ("getMe", 200, None),
        ("getAuditLog", 422, "invalid_parameters"),
        ("getMe", 401, "token_expired"),
    ]
    token_row, me_row = logged[0], logged[1]
    assert token_row.query_params["apiKey"] == "[redacted]"
    assert token_row.contact_name == setup.api_user.name
    assert me_row.user_agent == "erp-sync/2.1"
    assert me_row.duration_ms >= 0 and me_row.client_ip == "testclient"


def test_anonymous_refusals_are_logged_without_a_company(client, runtime):
    response = client.get("/rest/subcontractor/v1/me")
    with runtime.sessions() as s:
        row = s.scalar(select(ApiRequest).where(
            ApiRequest.request_id == response.headers["x-request-id"]))
    assert row is not None
    assert (row.function, row.status, row.error_code, row.company_id) == (
        "getMe", 401, "token_missing", None)


def test_domain_events_name_the_actor(client, factory):
    setup = factory.company()
    get_token(client, setup)
    events = factory.events(setup.company.id)
    names = [e.event for e in events]
    assert names[:2] == ["company.created", "contact.created"]
    assert "api_module.activated" in names and "api_user.designated" in names
    assert "api_key.generated" in names and names[-1] == "token.issued"
    issued = events[-1]
    assert issued.actor_name == setup.api_user.name and issued.actor_kind == "contact"
    key_event = next(e for e in events if e.event == "api_key.generated")
    assert key_event.actor_id == setup.api_user.id
    assert setup.api_key not in str(key_event.data) and setup.api_key[-43:] not in str(
        key_event.target_label)


def test_audit_log_function_pages_with_a_cursor(client, factory, clock):
    setup = factory.company()
    token = get_token(client, setup)
    for _ in range(4):
        client.post("/rest/subcontractor/v1/tokens",
                    data={"login": setup.login, "apiKey": setup.api_key, "forceNew": "1"})
    seen, cursor = [], None
    while True:
        data = {"limit": "3"} | ({"cursor": cursor} if cursor else {})
        page = client.post(AUDIT, headers=auth(token), data=data).json()
        seen += [e["id"] for e in page["events"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == sorted(seen) and len(seen) == len(set(seen))
    assert len(seen) == len(factory.events(setup.company.id))


def test_audit_log_filters_by_time(client, factory, clock):
    setup = factory.company()
    token = get_token(client, setup)
    start = int(clock.now().timestamp())
    clock.advance(10)
    client.post("/rest/subcontractor/v1/tokens",
                data={"login": setup.login, "apiKey": setup.api_key, "forceNew": "1"})
    page = client.post(AUDIT, headers=auth(token), data={"since": str(start + 5)}).json()
    assert [e["event"] for e in page["events"]] == ["token.issued"]
    none = client.post(AUDIT, headers=auth(token), data={"until": str(start - 100)}).json()
    assert none["events"] == []


def test_bad_cursor_is_a_clear_parameter_error(client, factory):
    setup = factory.company()
    token = get_token(client, setup)
    response = client.post(AUDIT, headers=auth(token), data={"cursor": "garbage"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["parameter"] == "cursor"


def test_deactivating_a_contact_keeps_its_audit_rows(client, factory, runtime):
    setup = factory.company()
    get_token(client, setup)
    before = factory.events(setup.company.id)
    with runtime.sessions() as s, s.begin():
        accounts.set_contact_active(s, factory.ctx(), s.get(Contact, setup.api_user.id), False)
    after = factory.events(setup.company.id)
    assert [e.id for e in after[: len(before)]] == [e.id for e in before]
    assert after[-1].event == "contact.deactivated"
    with runtime.sessions() as s:
        assert s.scalar(select(AuditEvent).where(AuditEvent.actor_id == setup.api_user.id))


def test_failed_call_changes_nothing(client, factory, runtime):
    """A refused getToken writes no token and no domain event (the transaction rolled back)."""
    setup = factory.company()
    before = len(factory.events(setup.company.id))
    client.post("/rest/subcontractor/v1/tokens", data={"login": setup.login,
                                                       "apiKey": setup.api_key, "forceNew": "2"})
    assert len(factory.events(setup.company.id)) == before
