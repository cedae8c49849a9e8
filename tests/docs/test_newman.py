"""The Postman collections run by newman against a live server with the demo data: all pass."""

from __future__ import annotations

import hashlib
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
    """As the docs tell a newcomer: download the collection from the reference page, set
    baseUrl, login and apiKey, run it. Nothing else: no files beside it, no working directory."""
    here = tmp_path / f"{api}-fresh"
    here.mkdir()
    collection = here / f"bidbridge-{api}.postman_collection.json"
    response = httpx.get(f"{server.url}/rest/{api}/v1/postman.json", timeout=30)
    assert response.status_code == 200
    collection.write_text(response.text)
    credentials = _credentials(server, api)
    report = tmp_path / f"{api}-report.json"
    done = subprocess.run(
        [str(newman), "run", collection.name, "--env-var", f"baseUrl={server.url}",
         "--env-var", f"login={credentials['login']}", "--env-var", f"apiKey={credentials['apiKey']}",
         "--reporters", "cli,json", "--reporter-json-export", str(report), "--color", "off",
         "--timeout-request", "30000"],
        cwd=here, capture_output=True, text=True, timeout=300)
    assert "file load error" not in done.stdout, done.stdout[-3000:]
    assert sorted(p.name for p in here.iterdir()) == [collection.name]
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    return dict(json.loads(report.read_text()))


SAMPLE_SHA256 = hashlib.sha256(example_pdf()).hexdigest()


def _answer(run: dict, item: str) -> dict:
    """The JSON answer newman received for ``item`` (its report keeps the bytes)."""
    found = [e for e in run["run"]["executions"] if e["item"]["name"] == item]
    return dict(json.loads(bytes(found[-1]["response"]["stream"]["data"])))


@pytest.mark.live
def test_collections_pass_under_newman(newman, backend, tmp_path):
    # A 61-second token makes the collection's pre-request script renew it before most requests.
    # The functions whose example run uploads a file: the sample embedded in the collection.
    uploads = {api: [s.function.name for s in steps(api)
                     if "example.pdf" in s.files.values()] for api in ("subcontractor",
                                                                      "contractor")}
    assert uploads["contractor"] == ["addDocument"]
    # The bill functions upload sample GAEB and xlsx files: their answers say what was read.
    bill_uploads = {"subcontractor": {"uploadBidGaeb": ("priced", 4), "uploadBidXlsx": ("priced", 4)},
                    "contractor": {"importBillGaeb": ("items", 6), "importBillXlsx": ("items", 3)}}
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
            for name in uploads[api]:
                sent = _answer(run, name)
                assert (sent["name"], sent["sha256"]) == ("example.pdf", SAMPLE_SHA256), name
            for name, (key, value) in bill_uploads[api].items():
                assert _answer(run, name)[key] == value, name
        # getToken: the collections' own requests, plus renewals by the pre-request script.
        assert len(server.requests_of("getToken")) > 2
