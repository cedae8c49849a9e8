"""A server worker starts without the libraries only a few rare calls need: they load on the first
call that does (docs/gaeb.md). Each one kept out is megabytes of every worker's resident memory
(pygaeb with lxml ~14 MiB, openpyxl ~12, reportlab ~7, httpx with its command line ~6, Alembic ~10).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

# Each loaded by the calls that need it: GAEB files; spreadsheets; receipt PDFs; the webhook
# delivery worker and the sync command (their own processes); migrations.
ON_FIRST_USE = ("pygaeb", "lxml", "openpyxl", "reportlab", "httpx", "standardwebhooks", "alembic",
                "mako")

PROBE = """
import json, sys
{first}
from bidbridge.app import create_app
from bidbridge.config import Settings
app = create_app(Settings(env="test", data_dir={data!r}, database_url={url!r},
                          secret_key="t" * 48, pepper="p" * 48))
print(json.dumps({{"routes": len(app.routes), "modules": sorted(sys.modules)}}))
"""


@pytest.mark.parametrize(("first", "also_absent"), [
    ("", ("rich", "click", "typer")),  # `uvicorn bidbridge.asgi:app`
    # A worker of `bidbridge serve` is spawned: it imports the command's module, then the app.
    ("import bidbridge.cli", ()),
], ids=["asgi", "serve"])
def test_creating_the_app_loads_none_of_the_rare_calls_libraries(
        tmp_path: Path, first: str, also_absent: tuple[str, ...]) -> None:
    heavy = (*ON_FIRST_USE, *also_absent)
    assert all(importlib.util.find_spec(name) for name in heavy)  # installed, spelled right
    code = PROBE.format(first=first, data=str(tmp_path / "var"),
                        url=f"sqlite:///{tmp_path / 'app.sqlite3'}")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["routes"] > 0  # the app was built
    loaded = {name.split(".")[0] for name in found["modules"]}
    assert sorted(loaded & set(heavy)) == []
