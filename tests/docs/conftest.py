"""Fixtures of the documentation tests: newman, installed from the pinned lockfile on first use."""

from __future__ import annotations

import fcntl
import shutil
import subprocess
from pathlib import Path

import pytest

POSTMAN_DIR = Path(__file__).resolve().parents[2] / "postman"
NEWMAN = POSTMAN_DIR / "node_modules" / ".bin" / "newman"


@pytest.fixture(scope="session")
def newman() -> Path:
    """newman from postman/package-lock.json; `npm ci` runs once per machine (locked for xdist)."""
    if shutil.which("npm") is None:
        raise RuntimeError("npm is required for the newman test: install Node.js (apt-get install npm)")
    with (POSTMAN_DIR / ".install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp = POSTMAN_DIR / "node_modules" / ".bidbridge-lock"
        wanted = (POSTMAN_DIR / "package-lock.json").read_text()
        if not NEWMAN.exists() or not stamp.exists() or stamp.read_text() != wanted:
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                           cwd=POSTMAN_DIR, check=True, timeout=600)
            stamp.write_text(wanted)
    return NEWMAN
