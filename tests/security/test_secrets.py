"""Raw API keys and tokens appear in no table, no log line and no error text after a full flow
(including the mistakes integrators make: a misspelt parameter, a token in the path)."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from bidbridge.security.credentials import parse_key
from tests.factories import auth
from tests.live import serve_subprocess
from tests.security.secret_scan import find_in_database, find_in_text

SUB = "/rest/subcontractor/v1"


def _flow(http: httpx.Client | object, setup, other) -> dict[str, str]:
    """Exercise every credential path; return the secrets that must never be stored or logged."""
    post, get = http.post, http.get  # type: ignore[attr-defined]
    key = setup.api_key
    _key_id, secret = parse_key(key)  # type: ignore[misc]
    tokens = []
    for force in ("0", "1", "0"):
        r = post(f"{SUB}/tokens", data={"login": setup.login, "apiKey": key, "forceNew": force})
        assert r.status_code == 200, r.text
        tokens.append(r.json()["token"])
    token = tokens[-1]
    wrong = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    answers = [
        post(f"{SUB}/tokens", data={"login": setup.login, "apiKey": wrong}),
        post(f"{SUB}/tokens", data={"login": other.login, "apiKey": key}),
        post(f"{SUB}/tokens", json={"login": setup.login, "apiKey": [key, key]}),
        post(f"{SUB}/tokens", json={"login": setup.login, "apiKey": {"k": key}}),
        post(f"{SUB}/tokens", data={"login": setup.login, "api_key": key}),  # misspelt
        post(f"{SUB}/tokens", data={"login": setup.login, "apiKey": key + "x"}),  # malformed
        post("/rest/contractor/v1/tokens", data={"login": setup.login, "apiKey": key}),
        get(f"{SUB}/me", headers=auth(token)),
        get(f"{SUB}/me", headers=auth(token[:-1] + ("1" if token.endswith("0") else "0"))),
        get("/rest/contractor/v1/me", headers=auth(token)),
        post(f"{SUB}/audit-log", data={"source": "requests", "token": token}, headers=auth(token)),
        post(f"{SUB}/audit-log", data={"cursor": token}, headers=auth(token)),
        get(f"{SUB}/{token}", headers=auth(token)),
    ]
    statuses = [a.status_code for a in answers]
    assert statuses == [401, 401, 422, 422, 422, 422, 401, 200, 401, 401, 422, 422, 404], statuses
    for answer in answers:  # the caller's own secret is not echoed back either
        assert key not in answer.text and secret not in answer.text
        assert all(t not in answer.text for t in tokens) or answer.request.url.path.endswith(
            "/tokens")
    events = post(f"{SUB}/audit-log", data={"source": "events"}, headers=auth(token))
    requests = post(f"{SUB}/audit-log", data={"source": "requests", "limit": "200"},
                    headers=auth(token))
    assert events.status_code == requests.status_code == 200
    functions = [r["function"] for r in requests.json()["requests"]]
    assert functions.count("getToken") == 3 and functions.count("getAuditLog") == 3, functions
    needles = {"api key": key, "api key secret": secret, "wrong key": wrong}
    needles.update({f"token {i}": t for i, t in enumerate(tokens)})
    for name, answer in (("getAuditLog events", events), ("getAuditLog requests", requests)):
        assert find_in_text(answer.text, needles, name) == []
    return needles


def test_no_secret_in_database_or_logs_in_process(client, factory, runtime, caplog):
    caplog.set_level(logging.DEBUG)  # every logger
    setup, other = factory.company(), factory.company()
    runtime.engine.echo = True  # SQLAlchemy logs every statement with its parameters
    try:
        needles = _flow(client, setup, other)
    finally:
        runtime.engine.echo = False
    with runtime.sessions() as session:
        assert find_in_database(session, needles) == []
    # httpx/httpcore records are the test's own client logging the URLs it called, not the server.
    server = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in server)
    assert any("api_tokens" in r.getMessage() for r in server)  # the statements were captured
    assert find_in_text(logged, needles, "captured logs") == []


@pytest.mark.live
def test_no_secret_in_a_live_servers_output(factory, settings, tmp_path: Path):
    setup, other = factory.company(), factory.company()
    log_path = tmp_path / "server.log"
    env = {"BIDBRIDGE_ENV": "test", "BIDBRIDGE_DATABASE_URL": settings.database_url,
           "BIDBRIDGE_DATA_DIR": str(tmp_path / "var"), "BIDBRIDGE_PEPPER": settings.pepper,
           "BIDBRIDGE_SECRET_KEY": settings.secret_key, "BIDBRIDGE_REDIS_URL": ""}
    with serve_subprocess(env, log_path) as (base, _proc), httpx.Client(base_url=base) as http:
        needles = _flow(http, setup, other)
    output = log_path.read_text()
    assert "POST /rest/subcontractor/v1/tokens" in output  # the access log was captured
    assert find_in_text(output, needles, "server output") == []
