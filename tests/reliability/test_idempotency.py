"""Idempotency-Key, generically in dispatch: one execution per key, replay, mismatch, expiry."""

from __future__ import annotations

import threading

import httpx
import pytest
from sqlalchemy import func, select

from bidbridge.api.declare import REGISTRY
from bidbridge.models import IdempotencyKey
from tests.factories import auth, get_token
from tests.live import serve_in_thread
from tests.reliability import probe

URL = "/rest/subcontractor/v1/probe/7"


def _events(factory, company_id: int) -> int:
    return len(factory.events(company_id, probe.EVENT))


def _key_rows(runtime, company_id: int) -> int:
    with runtime.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(IdempotencyKey)
                            .where(IdempotencyKey.company_id == company_id)) or 0)


@pytest.fixture
def caller(probe_client, factory):
    setup = factory.company()
    return setup, auth(get_token(probe_client, setup))


def test_same_key_same_body_replays_the_stored_response(probe_client, factory, caller):
    setup, headers = caller
    first = probe_client.post(URL, data={"label": "hello"},
                              headers={**headers, "Idempotency-Key": "k-1"})
    again = probe_client.post(URL, data={"label": "hello"},
                              headers={**headers, "Idempotency-Key": "k-1"})
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    assert again.headers["content-type"] == first.headers["content-type"]
    assert again.headers["x-request-id"] != first.headers["x-request-id"]
    assert _events(factory, setup.company.id) == 1


def test_json_and_key_order_do_not_matter_but_values_do(probe_client, factory, caller):
    setup, headers = caller
    h = {**headers, "Idempotency-Key": "order"}
    first = probe_client.post(URL, json={"label": "a b", "delayMs": 0}, headers=h)
    same = probe_client.post(URL, content=b'{"delayMs": 0, "label": "a b"}',
                             headers={**h, "Content-Type": "application/json"})
    assert first.status_code == 201 and same.headers.get("idempotent-replayed") == "true"
    other = probe_client.post(URL, json={"label": "a c", "delayMs": 0}, headers=h)
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_mismatch"
    assert other.json()["errors"][0]["parameter"] == "Idempotency-Key"
    assert _events(factory, setup.company.id) == 1


def test_same_key_on_another_template_id_is_a_mismatch(probe_client, factory, caller):
    setup, headers = caller
    h = {**headers, "Idempotency-Key": "tmpl"}
    assert probe_client.post(URL, data={"label": "x"}, headers=h).status_code == 201
    other = probe_client.post("/rest/subcontractor/v1/probe/8", data={"label": "x"}, headers=h)
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_mismatch")
    assert _events(factory, setup.company.id) == 1


def test_uploaded_bytes_are_part_of_the_request(probe_client, factory, caller):
    setup, headers = caller
    h = {**headers, "Idempotency-Key": "file"}
    first = probe_client.post(URL, data={"label": "doc"}, headers=h,
                              files={"attachment": ("quote.pdf", b"%PDF-1 one", "application/pdf")})
    same = probe_client.post(URL, data={"label": "doc"}, headers=h,
                             files={"attachment": ("quote.pdf", b"%PDF-1 one", "application/pdf")})
    changed = probe_client.post(URL, data={"label": "doc"}, headers=h,
                                files={"attachment": ("quote.pdf", b"%PDF-1 two", "application/pdf")})
    assert first.status_code == 201 and first.json()["attachment"] == "quote.pdf"
    assert same.headers.get("idempotent-replayed") == "true"
    assert (changed.status_code, changed.json()["code"]) == (422, "idempotency_mismatch")
    assert _events(factory, setup.company.id) == 1


def test_keys_are_scoped_per_company(probe_client, factory, caller):
    setup, headers = caller
    other = factory.company()
    other_headers = auth(get_token(probe_client, other))
    a = probe_client.post(URL, data={"label": "x"}, headers={**headers, "Idempotency-Key": "shared"})
    b = probe_client.post(URL, data={"label": "x"},
                          headers={**other_headers, "Idempotency-Key": "shared"})
    assert a.status_code == b.status_code == 201
    assert "idempotent-replayed" not in b.headers
    assert a.json()["eventId"] != b.json()["eventId"]
    assert _events(factory, setup.company.id) == 1
    assert _events(factory, other.company.id) == 1


def test_keys_expire_after_24_hours_by_the_clock(probe_client, factory, caller, clock, runtime):
    setup, headers = caller
    h = {**headers, "Idempotency-Key": "day"}
    first = probe_client.post(URL, data={"label": "x"}, headers=h)
    clock.advance(24 * 3600 - 1)
    token = get_token(probe_client, setup, force_new=True)  # the first token has expired
    h = {**auth(token), "Idempotency-Key": "day"}
    within = probe_client.post(URL, data={"label": "x"}, headers=h)
    assert within.headers.get("idempotent-replayed") == "true"
    assert within.json() == first.json()
    clock.advance(1)
    after = probe_client.post(URL, data={"label": "x"}, headers=h)
    assert after.status_code == 201 and "idempotent-replayed" not in after.headers
    assert after.json()["eventId"] != first.json()["eventId"]
    # And once expired, a different body under the old key is a new operation, not a mismatch.
    clock.advance(24 * 3600)
    token = get_token(probe_client, setup, force_new=True)
    fresh = probe_client.post(URL, data={"label": "y"},
                              headers={**auth(token), "Idempotency-Key": "day"})
    assert fresh.status_code == 201
    assert _events(factory, setup.company.id) == 3
    assert _key_rows(runtime, setup.company.id) == 1


@pytest.mark.parametrize("bad", ["", "with space", "x" * 256, "tab\there"])
def test_a_malformed_key_is_refused_naming_the_header(probe_client, factory, caller, bad):
    setup, headers = caller
    response = probe_client.post(URL, data={"label": "x"}, headers={**headers, "Idempotency-Key": bad})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_parameters"
    assert body["errors"][0]["parameter"] == "Idempotency-Key"
    assert body["errors"][0]["in"] == "header"
    assert "Idempotency-Key" in body["detail"]
    assert _events(factory, setup.company.id) == 0


def test_a_non_ascii_key_is_refused(probe_client, factory, caller):
    _setup, headers = caller
    response = probe_client.post(URL, data={"label": "x"},
                                 headers={**headers, "Idempotency-Key": "clé".encode("latin-1")})
    assert response.status_code == 422
    assert response.json()["errors"][0]["parameter"] == "Idempotency-Key"


def test_the_longest_key_is_accepted(probe_client, factory, caller):
    _setup, headers = caller
    key = "~" * 255
    first = probe_client.post(URL, data={"label": "x"}, headers={**headers, "Idempotency-Key": key})
    again = probe_client.post(URL, data={"label": "x"}, headers={**headers, "Idempotency-Key": key})
    assert first.status_code == 201 and again.headers.get("idempotent-replayed") == "true"


def test_a_5xx_is_not_stored_and_the_retry_runs(probe_client, factory, caller, runtime):
    setup, headers = caller
    h = {**headers, "Idempotency-Key": "crash"}
    probe.FAILURES.append("500")
    failed = probe_client.post(URL, data={"label": "x"}, headers=h)
    assert failed.status_code == 500
    assert _events(factory, setup.company.id) == 0  # the change rolled back with the key
    assert _key_rows(runtime, setup.company.id) == 0
    retry = probe_client.post(URL, data={"label": "x"}, headers=h)
    assert retry.status_code == 201 and "idempotent-replayed" not in retry.headers
    assert _events(factory, setup.company.id) == 1


def test_a_transient_conflict_is_not_stored(probe_client, factory, caller):
    setup, headers = caller
    h = {**headers, "Idempotency-Key": "busy"}
    probe.FAILURES.append("409")
    assert probe_client.post(URL, data={"label": "x"}, headers=h).status_code == 409
    retry = probe_client.post(URL, data={"label": "x"}, headers=h)
    assert retry.status_code == 201
    assert _events(factory, setup.company.id) == 1


def test_a_deterministic_refusal_is_stored_and_replayed(probe_client, factory, caller):
    setup, headers = caller
    h = {**headers, "Idempotency-Key": "refused"}
    first = probe_client.post(URL, data={"label": "refuse"}, headers=h)
    assert (first.status_code, first.json()["code"]) == (422, "probe_refused")
    again = probe_client.post(URL, data={"label": "refuse"}, headers=h)
    assert again.status_code == 422 and again.headers.get("idempotent-replayed") == "true"
    assert again.json() == first.json()
    assert again.headers["content-type"] == "application/problem+json"
    assert _events(factory, setup.company.id) == 0  # a refused call changes nothing


def test_without_a_key_every_call_executes(probe_client, factory, caller):
    setup, headers = caller
    for _ in range(2):
        assert probe_client.post(URL, data={"label": "x"}, headers=headers).status_code == 201
    assert _events(factory, setup.company.id) == 2


def test_read_functions_ignore_the_header(probe_client, factory, caller, runtime):
    setup, headers = caller
    for _ in range(2):
        r = probe_client.get("/rest/subcontractor/v1/me", headers={**headers, "Idempotency-Key": "r"})
        assert r.status_code == 200 and "idempotent-replayed" not in r.headers
    assert _key_rows(runtime, setup.company.id) == 0


def test_only_state_changing_functions_declare_idempotent_writes():
    reads = {"getToken", "getRfps", "getAuditLog", "getProposals", "getProjects"}
    for table in REGISTRY.values():
        for fn in table.values():
            if fn.idempotent_writes:
                assert fn.method == "POST" and fn.authenticated, fn.name
                assert fn.name not in reads, fn.name


def test_concurrent_duplicates_execute_exactly_once(probe_app, factory, runtime):
    setup = factory.company()
    results: list[httpx.Response] = []
    lock = threading.Lock()
    with serve_in_thread(probe_app) as base:
        token = httpx.post(base + "/rest/subcontractor/v1/tokens",
                           data={"login": setup.login, "apiKey": setup.api_key}).json()["token"]
        start = threading.Barrier(20)

        def one() -> None:
            start.wait()
            r = httpx.post(base + URL, data={"label": "race", "delayMs": "150"}, timeout=60,
                           headers={**auth(token), "Idempotency-Key": "race-1"})
            with lock:
                results.append(r)

        threads = [threading.Thread(target=one) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=90)
    assert len(results) == 20
    assert sorted({r.status_code for r in results}) == [201], [r.text for r in results][:3]
    assert len({r.content for r in results}) == 1
    assert sum(1 for r in results if "idempotent-replayed" not in r.headers) == 1
    assert _events(factory, setup.company.id) == 1
    assert _key_rows(runtime, setup.company.id) == 1
