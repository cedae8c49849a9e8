"""The integrator client and `bidbridge sync` run without the server: they import the wire schemas,
httpx and pydantic, never SQLAlchemy, the services, the API layer or the models."""

from __future__ import annotations

import json
import subprocess
import sys

SERVER = ("sqlalchemy", "bidbridge.services", "bidbridge.api", "bidbridge.models")

PROBE = """
import importlib, json, pkgutil, sys
import bidbridge.client, bidbridge.sync.cli, bidbridge.sync.mirror, bidbridge.wire
for info in pkgutil.walk_packages(bidbridge.wire.__path__, "bidbridge.wire."):
    importlib.import_module(info.name)
client = bidbridge.client.Client("http://127.0.0.1:9", "api@example.com", "bb_x")
print(json.dumps(sorted(sys.modules)))
"""


def _modules_after(code: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    modules: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return modules


def test_client_sync_and_wire_import_nothing_of_the_server() -> None:
    modules = _modules_after(PROBE)
    assert "bidbridge.client.functions" in modules and "bidbridge.wire.subcontractor.rfps" in modules
    server = [m for m in modules if any(m == s or m.startswith(s + ".") for s in SERVER)]
    assert server == []


def test_the_probe_sees_a_server_import() -> None:
    # The check above can fail: importing one API module pulls the server in.
    modules = _modules_after(PROBE.replace("print(", "import bidbridge.api.subcontractor.rfps\n"
                                                     "print("))
    assert {"sqlalchemy", "bidbridge.services", "bidbridge.models"} <= set(modules)
