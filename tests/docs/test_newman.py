"""The Postman collections run by newman against a live server with the demo data: all pass."""

from __future__ import annotations

import json
import subprocess

import httpx
import pytest

from bidbridge.api.declare import REGISTRY
from bidbridge.api.docs.examples import example_pdf
from bidbridge.api.docs.plan import steps
from tests.live_server import BIN, LiveServer, demo, live_server


def _credentials(server: LiveServer, api: str) -> dict[str, str]:
    if api == "subcontractor":
        summary = demo(server)
        return {"login": summary["api_user"], "apiKey": summary["api_key"]}
    out = subprocess.run([str(BIN / "python"), "-m",
                          "bidbridge.api.docs.demo_access", api], env=server.env,
                         capture_output=True, text=True, check=True, timeout=120)
    return dict(json.loads(out.stdout))


def _run_newman(newman, server: LiveServer, api: str, tmp_path) -> dict:
    collection = tmp_path / f"{api}.postman_collection.json"
    response = httpx.get(f"{server.url}/rest/{api}/v1/postman.json", timeout=30)
    assert response.status_code == 200
    collection.write_text(response.text)
    files = tmp_path / "files"
    files.mkdir(exist_ok=True)
    (files / "example.pdf").write_bytes(example_pdf())
    credentials = _credentials(server, api)
    report = tmp_path / f"{api}-report.json"
    done = subprocess.run(
        [str(newman), "run", str(collection), "--env-var", f"baseUrl={server.url}",
         "--env-var", f"login={credentials['login']}", "--env-var", f"apiKey={credentials['apiKey']}",
         "--working-dir", str(files), "--reporters", "cli,json", "--reporter-json-export",
         str(report), "--color", "off", "--timeout-request", "30000"],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    return dict(json.loads(report.read_text()))


@pytest.mark.live
def test_collections_pass_under_newman(newman, backend, tmp_path):
    # A 61-second token makes the collection's pre-request script renew it before most requests.
    with live_server(backend, tmp_path, token_ttl_seconds="61") as server:
        for api in ("subcontractor", "contractor"):
            run = _run_newman(newman, server, api, tmp_path)
            stats = run["run"]["stats"]
            assert stats["assertions"]["failed"] == 0
            assert stats["requests"]["failed"] == 0
            assert stats["assertions"]["total"] >= 2 * len(REGISTRY[api])
            # Renewals made by pm.sendRequest show up as extra executions of the same item.
            executed = list(dict.fromkeys(e["item"]["name"] for e in run["run"]["executions"]))
            assert executed == [s.function.name for s in steps(api)]
            assert set(executed) == set(REGISTRY[api])
        # getToken: the collections' own requests, plus renewals by the pre-request script.
        assert len(server.requests_of("getToken")) > 2
