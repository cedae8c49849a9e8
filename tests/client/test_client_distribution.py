"""The client's own distribution (clients/python): pip installs it into an empty virtual
environment with httpx and pydantic only, and the client, the wire schemas and `bidbridge-sync`
work there without the platform (no SQLAlchemy, no Starlette, no services)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "clients" / "python"

PROBE = """
import importlib, importlib.util, json, pkgutil, sys
import bidbridge.client, bidbridge.sync.mirror, bidbridge.wire
for info in pkgutil.walk_packages(bidbridge.wire.__path__, "bidbridge.wire."):
    importlib.import_module(info.name)
from bidbridge.wire.subcontractor.rfps import RfpPageOut
page = RfpPageOut.model_validate({"rfps": [], "nextCursor": None})
client = bidbridge.client.Client("http://127.0.0.1:9", "api@example.com", "bb_x")
print(json.dumps({
    "client_file": bidbridge.client.__file__,
    "present": [m for m in ("sqlalchemy", "starlette", "bidbridge.api", "bidbridge.services",
                            "bidbridge.models") if importlib.util.find_spec(m) is not None],
    "page": page.model_dump(by_alias=True),
    "methods": sorted(n for n in dir(client) if n.startswith("get_")),
}))
"""


def _run(*args: str | Path, timeout: int = 600) -> str:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True,
                          timeout=timeout, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.install
def test_the_client_distribution_installs_and_runs_without_the_server(tmp_path):
    # Built from a copy of the sources, so the build leaves nothing in the checkout.
    copy = tmp_path / "checkout"
    junk = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
    shutil.copytree(DIST, copy / "clients" / "python", ignore=junk)
    shutil.copytree(ROOT / "src", copy / "src", ignore=junk)
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    _run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         f"{copy / 'clients' / 'python'}[sync]")
    installed = {line.split("==")[0].split(" @ ")[0].lower()
                 for line in _run(python, "-m", "pip", "freeze").splitlines()}
    assert {"bidbridge-client", "httpx", "pydantic", "typer", "rich"} <= installed
    assert not installed & {"sqlalchemy", "starlette", "alembic", "bidbridge"}, installed

    found = json.loads(_run(python, "-c", PROBE).strip().splitlines()[-1])
    assert Path(found["client_file"]).is_relative_to(env_dir)  # the installed copy, not src/
    assert found["present"] == []  # neither installed nor shipped: the server is not there
    assert found["page"] == {"rfps": [], "nextCursor": None}
    assert {"get_rfps", "get_rfp", "get_documents"} <= set(found["methods"])
    shipped = {p.relative_to(env_dir).as_posix().split("site-packages/")[1]
               for p in env_dir.glob("lib/python*/site-packages/bidbridge/**/*.py")}
    assert {p.split("/")[1] for p in shipped} == {"client", "sync", "wire"}, shipped

    usage = _run(env_dir / "bin" / "bidbridge-sync", "--help")
    assert "--out" in usage and "--base-url" in usage
    # The same sources: the generated client of the distribution is the repository's.
    assert (Path(found["client_file"]).with_name("functions.py").read_text()
            == (ROOT / "src" / "bidbridge" / "client" / "functions.py").read_text())
    assert sys.executable != str(python)
