"""The README's first command as a newcomer runs it: what the install says, where run.sh serves."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIDBRIDGE_")}
    return {**env, "BIDBRIDGE_ARGON2_TIME_COST": "1", "BIDBRIDGE_ARGON2_MEMORY_KIB": "1024",
            **extra}


def test_first_install_says_what_it_does_and_how_long_it_takes(tmp_path):
    # A project of its own (the script only needs a pyproject.toml and a package), so the
    # install is real without touching this checkout's .venv.
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "setup-venv.sh", tmp_path / "scripts")
    (tmp_path / "src" / "bidbridge").mkdir(parents=True)
    (tmp_path / "src" / "bidbridge" / "__init__.py").write_text("")
    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
        '\n[project]\nname = "bidbridge"\nversion = "0"\n')
    # The venv exists already (saves the pip upgrade); the install itself is what is silent.
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / ".venv")], check=True)
    first = subprocess.run(["bash", "scripts/setup-venv.sh"], cwd=tmp_path, env=_clean_env(),
                           capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stdout + first.stderr
    lines = first.stdout.splitlines()
    assert lines[0] == "bidbridge setup: installing bidbridge and its Python packages into .venv."
    assert "about 1–3 minutes" in lines[1]
    assert re.fullmatch(r"bidbridge setup: done in \d+ s", lines[-1])
    assert "WARNING" not in first.stdout + first.stderr
    # Installed: the next run is silent, with or without extras already in place.
    again = subprocess.run(["bash", "scripts/setup-venv.sh"], cwd=tmp_path, env=_clean_env(),
                           capture_output=True, text=True, timeout=60)
    assert (again.returncode, again.stdout) == (0, "")


def test_run_sh_serves_on_port_and_host_and_prints_that_address(tmp_path):
    port = _free_port()
    log = tmp_path / "run.log"
    with log.open("w") as out:
        run = subprocess.Popen(["scripts/run.sh"], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                               env=_clean_env(PORT=str(port), HOST="127.0.0.1", COLUMNS="80",
                                              BIDBRIDGE_DATA_DIR=str(tmp_path / "var")),
                               start_new_session=True)
    try:
        login_page = None
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and run.poll() is None:
            try:
                login_page = httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        text = log.read_text()
        assert login_page is not None and login_page.status_code == 200, text[-3000:]
        assert f"Log in at http://127.0.0.1:{port}/login" in text
        assert f"bidbridge on http://127.0.0.1:{port}" in text
        assert ":8000" not in text
    finally:
        os.killpg(run.pid, signal.SIGTERM)
        run.wait(timeout=30)
