"""Guessing is throttled per (login, address), per address and per login with a far higher
ceiling; knowing a login is not enough to lock its owner out."""

from __future__ import annotations

import dataclasses
import uuid

import pytest
from starlette.testclient import TestClient

from bidbridge.app import create_app
from bidbridge.services.throttle import RedisFailureCounter
from tests.factories import PASSWORD
from tests.runtime_variants import runtime_with
from tests.web.helpers import csrf_from

TOKENS = "/rest/subcontractor/v1/tokens"


def _from(app, address: str) -> TestClient:
    return TestClient(app, base_url="http://testserver", client=(address, 40000))


def _wrong(key: str) -> str:
    return key[:-1] + ("A" if key[-1] != "A" else "B")


def test_wrong_keys_from_elsewhere_do_not_lock_out_the_integration(app, factory, runtime):
    setup = factory.company()
    attacker, integration = _from(app, "203.0.113.9"), _from(app, "198.51.100.7")
    for _ in range(runtime.settings.auth_failure_limit):
        wrong = attacker.post(TOKENS, data={"login": setup.login, "apiKey": _wrong(setup.api_key)})
        assert wrong.status_code == 401
    blocked = attacker.post(TOKENS, data={"login": setup.login, "apiKey": setup.api_key})
    assert blocked.status_code == 429 and blocked.json()["code"] == "too_many_failures"
    ok = integration.post(TOKENS, data={"login": setup.login, "apiKey": setup.api_key})
    assert ok.status_code == 200, ok.text


def test_the_per_login_ceiling_stops_a_botnet_but_not_a_clean_address(app, factory, runtime):
    limited = runtime_with(runtime, auth_failure_limit=3, auth_failure_address_limit=5,
                           auth_failure_login_limit=6)
    app = create_app(limited.settings, runtime=limited)
    setup = factory.company()
    bots = [_from(app, f"203.0.113.{n}") for n in range(1, 7)]
    for bot in bots:  # one guess each: the per-login ceiling fills
        assert bot.post(TOKENS, data={"login": setup.login,
                                      "apiKey": _wrong(setup.api_key)}).status_code == 401
    # An address that failed waits, even with the right key.
    assert bots[0].post(TOKENS, data={"login": setup.login,
                                      "apiKey": setup.api_key}).status_code == 429
    # A clean address is still heard: right key → token; wrong key → counted, then it waits.
    assert _from(app, "198.51.100.7").post(
        TOKENS, data={"login": setup.login, "apiKey": setup.api_key}).status_code == 200
    newcomer = _from(app, "192.0.2.77")
    assert newcomer.post(TOKENS, data={"login": setup.login,
                                       "apiKey": _wrong(setup.api_key)}).status_code == 401
    assert newcomer.post(TOKENS, data={"login": setup.login,
                                       "apiKey": setup.api_key}).status_code == 429


def _web_login(browser: TestClient, email: str, password: str):
    page = browser.get("/login")
    return browser.post("/login", data={"email": email, "password": password,
                                        "csrf_token": csrf_from(page.text)},
                        follow_redirects=False)


def test_wrong_passwords_from_elsewhere_do_not_lock_out_the_owner(app, factory, runtime):
    setup = factory.company(api=False)
    attacker, owner = _from(app, "203.0.113.9"), _from(app, "198.51.100.7")
    for _ in range(runtime.settings.login_failure_limit):
        assert _web_login(attacker, setup.admin.email, "wrong password").status_code == 401
    assert _web_login(attacker, setup.admin.email, PASSWORD).status_code == 429
    assert _web_login(owner, setup.admin.email, PASSWORD).status_code == 303


def test_counters_in_redis_are_shared_by_every_process(runtime, factory):
    prefix = f"bidbridge:test:{uuid.uuid4().hex}:"
    counter = RedisFailureCounter("redis://127.0.0.1:6379/0", prefix=prefix)
    try:
        counter._redis.ping()
    except Exception as exc:  # the suite needs Redis like it needs PostgreSQL
        pytest.fail(f"Redis at 127.0.0.1:6379 is required for this test: {exc}")
    one = dataclasses.replace(runtime, failures=counter)
    two = dataclasses.replace(runtime, failures=RedisFailureCounter("redis://127.0.0.1:6379/0",
                                                                    prefix=prefix))
    setup = factory.company()
    first = _from(create_app(one.settings, runtime=one), "203.0.113.9")
    second = _from(create_app(two.settings, runtime=two), "203.0.113.9")
    for _ in range(runtime.settings.auth_failure_limit):
        assert first.post(TOKENS, data={"login": setup.login,
                                        "apiKey": _wrong(setup.api_key)}).status_code == 401
    assert second.post(TOKENS, data={"login": setup.login,
                                     "apiKey": setup.api_key}).status_code == 429
    keys = counter._redis.keys(prefix + "*")
    assert keys and all(setup.api_key.encode() not in k for k in keys)
    counter._redis.delete(*keys)
