"""Two nodes behind nginx, sharing PostgreSQL, Redis and an S3 bucket: tokens, rate limits and
documents cross nodes; a node SIGKILLed mid-run loses nothing and duplicates nothing."""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from bidbridge.client import Client
from tests.conftest import BACKENDS
from tests.live_server import _driver
from tests.multinode.cluster import Cluster, Node, cluster
from tests.tendering_factory import pdf_bytes

# The layout needs PostgreSQL (nodes share it): BIDBRIDGE_TEST_DATABASES=sqlite is the explicit
# opt-out of every PostgreSQL test, this one included; CI always runs it.
pytestmark = [pytest.mark.live, pytest.mark.skipif(
    "postgresql" not in BACKENDS, reason="BIDBRIDGE_TEST_DATABASES excludes postgresql")]
SUB = "/rest/subcontractor/v1"
TOKEN_QUOTA = 5000
MESSAGES = 16
KILL_AT = 5
CLIENT_ADDRESS = "127.0.0.3"  # the integrator's machine, as seen through X-Forwarded-For


def _remaining(response: httpx.Response) -> int:
    found = re.search(r'"token";r=(\d+)', response.headers["RateLimit"])
    assert found, response.headers
    return int(found.group(1))


def _token_and_budget_cross_nodes(a: Node, b: Node, login: str, key: str) -> None:
    minted = httpx.post(a.url + SUB + "/tokens",
                        data={"login": login, "apiKey": key, "forceNew": "1"})
    assert minted.status_code == 200, minted.text
    headers = {"X-Auth-Token": minted.json()["token"]}
    answers = [httpx.get(node.url + SUB + "/me", headers={**headers, "X-Request-Id": f"check-{i}-me"})
               for i, node in enumerate((b, a, b))]
    assert [r.status_code for r in answers] == [200, 200, 200], answers[0].text
    # One budget in Redis, spent alternately on both nodes.
    assert [_remaining(r) for r in answers] == [TOKEN_QUOTA - 1, TOKEN_QUOTA - 2, TOKEN_QUOTA - 3]


def _document_crosses_nodes(a: Node, b: Node, login: str, key: str, rfp_id: int,
                            tmp: Path) -> None:
    data = pdf_bytes("stored through node a") + b"a" * 300_000
    with Client(a.url, login, key) as via_a, Client(b.url, login, key) as via_b:
        sent = via_a.send_message(rfp_id, "stored through node a",
                                  attachments=("through-a.pdf", data, "application/pdf"))
        attachment = sent.attachments[0]
        got = via_b.get_document(attachment.document_id, tmp / "through-b.pdf",
                                 expected_sha256=attachment.sha256)
    assert got.path.read_bytes() == data


class Recorder:
    """Every answer the integrator's HTTP client saw, and the client's retry waits."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, str | None, str]] = []
        self.waits: list[float] = []
        self.lock = threading.Lock()

    def response(self, response: httpx.Response) -> None:
        with self.lock:
            self.answers.append((response.status_code, response.headers.get("x-request-id"),
                                 f"{response.request.method} {response.request.url.path}"))

    def client(self, proxy: str, login: str, key: str) -> Client:
        http = httpx.Client(timeout=30, event_hooks={"response": [self.response]},
                            transport=httpx.HTTPTransport(local_address=CLIENT_ADDRESS))
        return Client(proxy, login, key, http=http, max_retries=8, sleep=self.wait)

    def wait(self, seconds: float) -> None:
        # The client's own back-off, really waited: while nginx counts a node as failed
        # (fail_timeout) a retry in the same millisecond would meet the same answer.
        self.waits.append(seconds)
        time.sleep(seconds)


def _run_with_a_kill(c: Cluster, login: str, key: str, rfp_id: int,
                     recorder: Recorder) -> dict[str, Any]:
    """An integrator's run through the proxy, with a reader beside it; node a dies at KILL_AT."""
    done = threading.Event()
    read_errors: list[BaseException] = []

    def reader() -> None:
        with recorder.client(c.proxy, login, key) as client:
            try:
                while not done.is_set():
                    client.get_rfps(limit=10)
                    client.get_documents(rfp_id)
            except BaseException as exc:  # reported to the test below
                read_errors.append(exc)

    side = threading.Thread(target=reader)
    side.start()
    messages, proposal = [], None
    try:
        with recorder.client(c.proxy, login, key) as client:
            sheet = client.get_budget_lines(rfp_id)
            client.price_budget_lines(rfp_id, [
                {"budgetLineId": line.budget_line_id, "unitPrice": "45.50", "included": True}
                for line in sheet.lines])
            for i in range(MESSAGES):
                client.get_rfp(rfp_id)
                if i == KILL_AT:
                    threading.Thread(target=c.nodes[0].kill).start()
                    proposal = client.submit_proposal(
                        rfp_id, message="our price, submitted while a node dies",
                        attachments=("quote.pdf", pdf_bytes("quote") + b"q" * 200_000,
                                     "application/pdf"))
                body = pdf_bytes(f"note {i}") + bytes([i]) * 50_000
                sent = client.send_message(rfp_id, f"progress note {i}",
                                           attachments=(f"note-{i}.pdf", body, "application/pdf"))
                messages.append((sent, hashlib.sha256(body).hexdigest()))
    finally:
        done.set()
        side.join(timeout=60)
    assert not read_errors, read_errors
    assert c.nodes[0].process.returncode == -9
    return {"messages": messages, "proposal": proposal}


def _rows(c: Cluster, sql: str, **params: Any) -> list[Any]:
    engine = create_engine(_driver(c.database_url))
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(sql), params).all())
    finally:
        engine.dispose()


def test_two_nodes_behind_nginx_share_everything_and_survive_a_sigkill(tmp_path, s3) -> None:
    # Node b runs two workers: its /metrics must add both up (prometheus-client multi-process).
    with cluster(tmp_path, s3, workers=(1, 2), rate_limit_token_requests=str(TOKEN_QUOTA),
                 rate_limit_company_requests="0") as c:
        a, b = c.nodes
        demo = json.loads(c.cli("demo", "--json", "--new-api-key", "--base-url", c.proxy,
                                env={"BIDBRIDGE_ENV": "development"}))
        login, key = demo["api_user"], demo["api_key"]
        rfp_id = next(r["id"] for r in demo["rfps"]
                      if not r["deadline_passed"] and "Van Dijk" in r["subcontractor"])
        company_id = _rows(c, "SELECT company_id FROM contacts WHERE email = :e", e=login)[0][0]

        _token_and_budget_cross_nodes(a, b, login, key)
        _document_crosses_nodes(a, b, login, key, rfp_id, tmp_path)
        assert httpx.get(c.proxy + "/metrics").status_code == 403  # scraped per node only
        metrics = httpx.get(a.url + "/metrics").text
        assert re.search(r'bidbridge_http_requests_total\{function="sendMessage",status="201"\} '
                         r'1\.0', metrics), metrics[:2000]
        # Node b answered getMe twice, on whichever of its workers: every scrape says 2, and
        # both workers write their samples to the shared directory.
        assert len(b.metric_pids()) == 2
        for _ in range(4):
            scraped = httpx.get(b.url + "/metrics").text
            assert re.search(r'bidbridge_http_requests_total\{function="getMe",status="200"\} '
                             r'2\.0', scraped), scraped[:3000]

        recorder = Recorder()
        run = _run_with_a_kill(c, login, key, rfp_id, recorder)

        # Exactly one proposal, the one the client was given.
        proposals = _rows(c, "SELECT id FROM proposals WHERE rfp_id = :r", r=rfp_id)
        assert [p[0] for p in proposals] == [run["proposal"].proposal_id]
        # Every message once, with its attachment, each downloadable through the proxy.
        sent_ids = sorted(m.message_id for m, _ in run["messages"])
        stored = _rows(c, "SELECT id FROM messages WHERE rfp_id = :r AND text LIKE 'progress note %'",
                       r=rfp_id)
        assert sorted(m[0] for m in stored) == sent_ids and len(sent_ids) == MESSAGES
        with recorder.client(c.proxy, login, key) as client:
            for i, (message, sha) in enumerate(run["messages"]):
                attachment = message.attachments[0]
                got = client.get_document(attachment.document_id, tmp_path / f"check-{i}.pdf",
                                          expected_sha256=sha)
                assert got.sha256 == sha
        bucket_keys = {o["Key"].rsplit("/", 1)[-1] for o in s3.client().list_objects_v2(
            Bucket=c.env["BIDBRIDGE_STORAGE_URL"].split("/")[2]).get("Contents", [])}
        versions = {v[0] for v in _rows(c, "SELECT storage_key FROM document_versions")}
        assert versions <= bucket_keys  # no row points at missing bytes
        # Every change kept its audit event, and every answered call its request-log row.
        events = dict(_rows(c, "SELECT event, count(*) FROM audit_events WHERE company_id = :company "
                               "GROUP BY event", company=company_id))
        assert events["proposal.submitted"] == 1
        assert events["message.sent"] == MESSAGES + 1  # and the cross-node one
        answered = {rid for status, rid, _ in recorder.answers if status < 500 and rid}
        logged = {r[0]: r[1] for r in _rows(
            c, "SELECT request_id, client_ip FROM api_requests WHERE company_id = :company",
            company=company_id)}
        assert answered - set(logged) == set()
        assert {logged[rid] for rid in answered} == {CLIENT_ADDRESS}
        # BIDBRIDGE_LOG_JSON: every line either node wrote is one JSON object, and the access
        # lines carry the request id the caller sent.
        logged_ids: dict[str, set[str]] = {}
        for node in c.nodes:
            lines = [json.loads(ln) for ln in node.log.read_text().splitlines() if ln.strip()]
            assert all(isinstance(entry, dict) for entry in lines)
            logged_ids[node.name] = {e.get("request_id", "") for e in lines
                                     if e["logger"] == "uvicorn.access"}
        assert {"check-0-me", "check-2-me"} <= logged_ids["b"]
        assert "check-1-me" in logged_ids["a"]
        failovers = [a for a in recorder.answers if a[0] >= 500]
        print(f"multinode: {len(recorder.answers)} answers through nginx, {len(failovers)} "
              f"5xx during the kill ({failovers}), {len(recorder.waits)} client retries")
