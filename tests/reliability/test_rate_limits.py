"""Rate limits per token and per company: headers on every authenticated answer, 429 with
Retry-After, and one budget shared through Redis by several server processes."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator

import pytest
import redis
from starlette.testclient import TestClient

from bidbridge.app import create_app
from bidbridge.services.runtime import Runtime
from tests.factories import auth, get_token
from tests.runtime_variants import runtime_with

ME = "/rest/subcontractor/v1/me"
REDIS_URL = "redis://127.0.0.1:6379/0"
_ITEM = re.compile(r'^"(\w+)";r=(\d+);t=(\d+)$')


def _runtime(runtime: Runtime, **overrides: object) -> Runtime:
    return runtime_with(runtime, **overrides)


def _client(runtime: Runtime) -> TestClient:
    return TestClient(create_app(runtime.settings, runtime=runtime), base_url="http://testserver")


def _remaining(response) -> dict[str, tuple[int, int]]:
    out = {}
    for item in response.headers["RateLimit"].split(", "):
        match = _ITEM.match(item)
        assert match, item
        out[match[1]] = (int(match[2]), int(match[3]))
    return out


def test_every_authenticated_answer_carries_the_headers(client, factory):
    setup = factory.company()
    headers = auth(get_token(client, setup))
    ok = client.get(ME, headers=headers)
    refused = client.post("/rest/subcontractor/v1/audit-log", data={"limit": "0"}, headers=headers)
    assert ok.status_code == 200 and refused.status_code == 422
    for response in (ok, refused):
        assert response.headers["RateLimit-Policy"] == '"token";q=600;w=60, "company";q=1200;w=60'
    first, second = _remaining(ok), _remaining(refused)
    assert first["token"][0] == 599 and first["company"][0] == 1199
    assert second["token"][0] == 598 and second["company"][0] == 1198
    assert 1 <= first["token"][1] <= 60


def test_the_token_budget_ends_in_429_with_retry_after(runtime, factory, clock):
    limited = _runtime(runtime, rate_limit_token_requests=3, rate_limit_company_requests=100)
    with _client(limited) as c:
        setup = factory.company()
        headers = auth(get_token(c, setup))
        answers = [c.get(ME, headers=headers) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        refused = answers[-1]
        body = refused.json()
        assert refused.headers["content-type"] == "application/problem+json"
        assert body["code"] == "rate_limited" and body["policies"] == ["token"]
        wait = int(refused.headers["Retry-After"])
        assert wait == body["retryAfter"] == _remaining(refused)["token"][1]
        assert _remaining(refused)["token"][0] == 0
        assert "Retry after" in body["detail"]
        # A new token has a budget of its own; the old one recovers in the next window.
        other = auth(get_token(c, setup, force_new=True))
        assert c.get(ME, headers=other).status_code == 200
        clock.advance(wait)
        assert c.get(ME, headers=headers).status_code == 200


def test_the_company_budget_spans_its_tokens_and_no_other_company(runtime, factory):
    limited = _runtime(runtime, rate_limit_token_requests=100, rate_limit_company_requests=4)
    with _client(limited) as c:
        setup, neighbour = factory.company(), factory.company()
        tokens = [auth(get_token(c, setup, force_new=True)) for _ in range(3)]
        statuses = [c.get(ME, headers=tokens[i % 3]).status_code for i in range(5)]
        assert statuses == [200, 200, 200, 200, 429]
        assert c.get(ME, headers=tokens[2]).json()["policies"] == ["company"]
        assert c.get(ME, headers=auth(get_token(c, neighbour))).status_code == 200


def test_a_zero_quota_switches_a_budget_off(runtime, factory):
    limited = _runtime(runtime, rate_limit_token_requests=0, rate_limit_company_requests=2)
    with _client(limited) as c:
        headers = auth(get_token(c, factory.company()))
        response = c.get(ME, headers=headers)
        assert response.headers["RateLimit-Policy"] == '"company";q=2;w=60'


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    prefix = f"bidbridge-test:{uuid.uuid4().hex}:"
    yield prefix
    conn = redis.Redis.from_url(REDIS_URL)
    keys = list(conn.scan_iter(match=prefix + "*"))
    if keys:
        conn.delete(*keys)


def test_two_processes_share_one_budget_through_redis(runtime, factory, redis_prefix):
    shared = {"redis_url": REDIS_URL, "rate_limit_redis_prefix": redis_prefix,
              "rate_limit_token_requests": 5, "rate_limit_company_requests": 50}
    one, two = _runtime(runtime, **shared), _runtime(runtime, **shared)
    assert one.rate_limiter is not two.rate_limiter
    with _client(one) as a, _client(two) as b:
        headers = auth(get_token(a, factory.company()))
        statuses = [(a if i % 2 else b).get(ME, headers=headers).status_code for i in range(6)]
        assert statuses == [200, 200, 200, 200, 200, 429]
        assert b.get(ME, headers=headers).status_code == 429
    keys = list(redis.Redis.from_url(REDIS_URL).scan_iter(match=redis_prefix + "*"))
    assert len(keys) == 2  # one counter for the token, one for the company, in this window


def test_redis_down_fails_open_to_local_counters_with_a_warning(runtime, factory, caplog):
    from tests.live import free_port

    down = _runtime(runtime, redis_url=f"redis://127.0.0.1:{free_port()}/0",
                    rate_limit_token_requests=2)
    with _client(down) as c, caplog.at_level(logging.WARNING, logger="bidbridge.rate_limit"):
        headers = auth(get_token(c, factory.company()))
        statuses = [c.get(ME, headers=headers).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]  # the local budget still applies
    warnings = [r for r in caplog.records if r.name == "bidbridge.rate_limit"]
    assert len(warnings) == 1  # once per pause, not once per call
    assert "using this process's own counters" in warnings[0].getMessage()


def test_a_401_spends_the_address_budget_and_carries_its_headers(runtime, factory):
    limited = _runtime(runtime, rate_limit_token_requests=3, rate_limit_company_requests=100)
    with _client(limited) as c:
        setup = factory.company()
        good = auth(get_token(c, setup))
        answers = [c.get(ME), c.get(ME, headers=auth("0" * 128)), c.get(ME, headers=auth("1" * 128))]
        assert [a.status_code for a in answers] == [401, 401, 401]
        assert [a.json()["code"] for a in answers] == ["token_missing", "token_invalid",
                                                       "token_invalid"]
        for a in answers:
            assert a.headers["RateLimit-Policy"] == '"address";q=3;w=60'
        assert [_remaining(a)["address"][0] for a in answers] == [2, 1, 0]
        flood = c.get(ME, headers=auth("2" * 128))
        assert flood.status_code == 429 and flood.json()["policies"] == ["address"]
        assert int(flood.headers["Retry-After"]) >= 1
        # A valid token is never held back by the address's failures.
        ok = c.get(ME, headers=good)
        assert ok.status_code == 200 and "address" not in _remaining(ok)
