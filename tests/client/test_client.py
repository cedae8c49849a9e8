"""The Python client against the real app: typed answers, token renewal, errors, retries."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from bidbridge.api.account_functions import ContactOut, MeOut
from bidbridge.client import ApiError, Client, ContractorClient, RateLimitedError
from bidbridge.client.functions import ContractorFunctions
from bidbridge.client.generate import OUTPUT, render
from bidbridge.models import ApiRequest, CompanyKind


class LocalTime:
    """The client's monotonic clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _token_calls(factory, company_id: int) -> int:
    with factory.runtime.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(ApiRequest).where(
            ApiRequest.company_id == company_id, ApiRequest.function == "getToken")) or 0)


def _wrong_key(key: str) -> str:
    return key[:-1] + ("A" if key[-1] != "A" else "B")


def _client(client, setup, **options) -> Client:
    return Client("http://testserver", setup.login, setup.api_key, http=client, **options)


def test_generated_methods_are_up_to_date():
    assert OUTPUT.read_text() == render(), (
        "src/bidbridge/client/functions.py is stale: run `python -m bidbridge.client.generate`")


def test_typed_answers_and_one_cached_token(client, factory):
    setup = factory.company()
    api = _client(client, setup)
    me = api.get_me()
    assert isinstance(me, MeOut)
    assert me.contact.email == setup.login
    assert me.company.id == setup.company.id
    contacts = api.get_contacts()
    assert all(isinstance(c, ContactOut) for c in contacts)
    assert [c.is_api_user for c in contacts if c.email == setup.login] == [True]
    assert _token_calls(factory, setup.company.id) == 1


def test_token_renewed_before_it_expires(client, factory, clock):
    setup = factory.company()
    local = LocalTime()
    api = _client(client, setup, monotonic=local)
    api.get_me()
    first = api.token()
    clock.advance(3550)
    local.now += 3550  # 50 s left: less than the 60 s margin
    api.get_me()
    assert api.token() != first
    assert api.token_renewals == 2
    assert _token_calls(factory, setup.company.id) == 2


def test_token_expired_on_the_server_is_renewed_once_and_the_call_retried(client, factory, clock):
    setup = factory.company()
    local = LocalTime()
    api = _client(client, setup, monotonic=local)
    api.get_company()
    clock.advance(3601)  # the server's hour is over; the client's clock does not know
    company = api.get_company()
    assert company.id == setup.company.id
    assert api.token_renewals == 2
    with factory.runtime.sessions() as s:
        codes = list(s.scalars(select(ApiRequest.error_code).where(
            ApiRequest.company_id == setup.company.id, ApiRequest.function == "getCompany")
            .order_by(ApiRequest.id)))
    assert codes == [None, "token_expired", None]


def test_errors_carry_status_code_and_detail(client, factory):
    setup = factory.company()
    api = _client(client, setup)
    with pytest.raises(ApiError) as caught:
        api.get_audit_log(source="everything")
    assert caught.value.status == 422
    assert caught.value.code == "invalid_parameters"
    assert caught.value.errors[0]["parameter"] == "source"
    assert "source" in caught.value.detail and caught.value.request_id
    wrong = Client("http://testserver", setup.login, _wrong_key(setup.api_key), http=client)
    with pytest.raises(ApiError) as caught:
        wrong.get_me()
    assert (caught.value.status, caught.value.code) == (401, "invalid_credentials")


def test_a_long_retry_after_is_not_waited_for(client, factory, runtime):
    setup = factory.company()
    sleeps: list[float] = []
    wrong = Client("http://testserver", setup.login, _wrong_key(setup.api_key), http=client,
                   sleep=sleeps.append)
    for _ in range(runtime.settings.auth_failure_limit):
        with pytest.raises(ApiError):
            wrong.get_me()
    with pytest.raises(RateLimitedError) as caught:
        wrong.get_me()
    assert caught.value.code == "too_many_failures"
    assert caught.value.retry_after and caught.value.retry_after > wrong.max_retry_wait
    assert sleeps == []


def test_contractor_client(client, factory):
    setup = factory.company(CompanyKind.CONTRACTOR)
    api = Client("http://testserver", setup.login, setup.api_key, api="contractor", http=client)
    assert isinstance(api, ContractorClient) and isinstance(api, ContractorFunctions)
    assert api.get_company().kind == "contractor"


class Scripted:
    """A transport answering from a script; for the client's retry logic alone."""

    def __init__(self, answers: list[httpx.Response]) -> None:
        self.answers = answers
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path.endswith("/tokens"):
            return httpx.Response(200, json={"token": "t" * 128, "expireDate": "0",
                                             "expiresIn": 3600})
        return self.answers.pop(0)


def _problem(status: int, code: str, retry_after: int | None = None) -> httpx.Response:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return httpx.Response(status, headers=headers, json={
        "type": "x", "title": "t", "status": status, "detail": "busy", "code": code,
        **({"retryAfter": retry_after} if retry_after is not None else {})})


def test_retries_on_429_and_503_honour_retry_after_and_keep_the_idempotency_key():
    script = Scripted([_problem(503, "service_unavailable", 2), _problem(429, "rate_limited", 1),
                       httpx.Response(200, json={"ok": True})])
    sleeps: list[float] = []
    api = Client("http://x", "a@b.c", "k", http=httpx.Client(transport=httpx.MockTransport(script)),
                 sleep=sleeps.append)
    assert api.call("submit", "/things", "POST", {"n": 1}, idempotent=True) == {"ok": True}
    assert sleeps == [2.0, 1.0]
    keys = {r.headers["Idempotency-Key"] for r in script.requests if r.url.path.endswith("/things")}
    assert len(keys) == 1


def test_retries_are_bounded():
    script = Scripted([_problem(503, "service_unavailable") for _ in range(3)])
    sleeps: list[float] = []
    api = Client("http://x", "a@b.c", "k", http=httpx.Client(transport=httpx.MockTransport(script)),
                 sleep=sleeps.append, max_retries=2)
    with pytest.raises(RateLimitedError) as caught:
        api.get_company()
    assert caught.value.status == 503 and len(sleeps) == 2
    assert all(0 < s <= api.max_retry_wait for s in sleeps)


class Dropping:
    """A transport whose first answers are a dropped connection or a proxy's 502."""

    def __init__(self, failures: list[Exception | int]) -> None:
        self.failures = failures
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path.endswith("/tokens"):
            return httpx.Response(200, json={"token": "t" * 128, "expireDate": "1",
                                             "expiresIn": 3600})
        if self.failures:
            failure = self.failures.pop(0)
            if isinstance(failure, Exception):
                raise failure
            return httpx.Response(failure, text="<html>502 Bad Gateway</html>")
        return httpx.Response(200, json={"ok": True})


def _dropping(failures: list[Exception | int]) -> tuple[Client, Dropping, list[float]]:
    script = Dropping(failures)
    sleeps: list[float] = []
    api = Client("http://x", "a@b.c", "k", http=httpx.Client(transport=httpx.MockTransport(script)),
                 sleep=sleeps.append)
    return api, script, sleeps


def test_a_write_with_an_idempotency_key_fails_over_on_a_dropped_connection_and_502():
    api, script, sleeps = _dropping([httpx.ReadError("connection reset"), 502, 504])
    assert api.call("submit", "/things", "POST", {"n": 1}, idempotent=True) == {"ok": True}
    sent = [r for r in script.requests if r.url.path.endswith("/things")]
    assert len(sent) == 4 and len(sleeps) == 3
    assert len({r.headers["Idempotency-Key"] for r in sent}) == 1


def test_a_write_without_a_key_is_not_repeated_after_it_may_have_run():
    api, script, _ = _dropping([502])
    with pytest.raises(ApiError) as caught:
        api.call("write", "/things", "POST", {"n": 1})
    assert caught.value.status == 502 and len(script.requests) == 2  # the token, the call
    api, _, _ = _dropping([httpx.ReadError("connection reset")])
    with pytest.raises(httpx.ReadError):
        api.call("write", "/things", "POST", {"n": 1})
    # Never connected: nothing was sent, so even such a write goes again.
    api, _, _ = _dropping([httpx.ConnectError("refused")])
    assert api.call("write", "/things", "POST", {"n": 1}) == {"ok": True}


def test_reads_fail_over_too():
    api, _, sleeps = _dropping([httpx.RemoteProtocolError("closed"), 502])
    assert api.call("read", "/things", "GET", {}) == {"ok": True}
    assert len(sleeps) == 2
    # A read with filters is a POST (getRfps): still a read, still repeated.
    api, _, sleeps = _dropping([502, httpx.ReadError("connection reset")])
    assert api.call("getRfps", "/rfps", "POST", {"limit": 10}) == {"ok": True}
    assert len(sleeps) == 2
