"""The example plan: ids found in answers the same way in Python (capture) and JavaScript (Postman)."""

from __future__ import annotations

import json
import subprocess
import time

from bidbridge.api.docs.plan import FOUND_IDS_JS, found_ids, picked, picks_js, steps

BODIES = [
    ("getRfps", {"rfps": [{"rfpId": 7, "projectId": 3, "deadline": 1}, {"rfpId": 8}],
                 "nextCursor": None}),
    ("getContacts", [{"id": 4, "name": "A"}, {"id": 5}]),
    ("getCompany", {"id": 9, "apiUserId": 2, "name": "X"}),
    ("getDocuments", [{"documentId": 11, "versions": [{"version": 1}]}]),
    ("addWorkpackage", {"id": 21, "projectId": 3}),
    ("getProject", {"id": 3, "workpackages": [{"id": 21}, {"id": 22}]}),
    ("getMessages", {"rfpId": 7, "messages": [{"messageId": 1, "attachments": [
        {"documentId": 12}]}]}),
    ("getBudgetLines", {"lines": [{"budgetLineId": 31, "ours": True}]}),
]


def _node(script: str) -> object:
    done = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True,
                          timeout=60)
    return json.loads(done.stdout)


def test_javascript_finds_the_same_ids_as_python():
    script = FOUND_IDS_JS + "\nconsole.log(JSON.stringify(" + json.dumps(BODIES) + \
        ".map(function (c) { return foundIds(c[0], c[1]); })));"
    expected = [found_ids(name, body) for name, body in BODIES]
    assert _node(script) == expected
    assert expected[0]["rfpId"] == 7 and expected[1] == {"contactId": 4}
    assert expected[5]["workpackageId"] == 21 and expected[6]["documentId"] == 12


def test_javascript_picks_the_same_open_rfps_as_python():
    now = time.time()
    body = {"rfps": [{"rfpId": 1, "deadline": int(now) - 60, "forwarded": False},
                     {"rfpId": 2, "deadline": int(now) + 3600, "forwarded": True},
                     {"rfpId": 3, "deadline": None, "forwarded": False},
                     {"rfpId": 4, "deadline": int(now) + 3600, "forwarded": False}]}
    expected = {k: str(v) for k, v in picked("subcontractor", "getRfps", body, now).items()}
    assert expected == {"rfpId": "3", "forwardRfpId": "4"}
    script = ("var out = {}; var pm = {response: {json: function () { return " + json.dumps(body)
              + "; }}, collectionVariables: {set: function (k, v) { if (k.indexOf('_found_') "
              "!== 0) { out[k] = v; } }}};\n" + picks_js("subcontractor", "getRfps")
              + "\nconsole.log(JSON.stringify(out));")
    assert _node(script) == expected


def test_plan_runs_every_function_once_token_first():
    for api in ("subcontractor", "contractor"):
        names = [s.function.name for s in steps(api)]
        assert names[0] == "getToken" and len(names) == len(set(names))
