"""`bidbridge sync` as a newcomer first runs it: a wrong address is one clear line, not a traceback."""

from __future__ import annotations

import os
import socket
import subprocess

from tests.live_server import BIN


def test_an_unreachable_server_is_one_line_naming_the_address_and_the_option(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("BIDBRIDGE_")},
           "BIDBRIDGE_SYNC_BASE_URL": url, "BIDBRIDGE_SYNC_LOGIN": "api@example.com",
           "BIDBRIDGE_SYNC_API_KEY": "bb_0123456789abcdef_" + "x" * 43}
    done = subprocess.run([str(BIN / "bidbridge"), "sync", "--out", str(tmp_path / "out"),
                           "--no-progress"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"error: cannot reach bidbridge at {url} (")
    assert "--base-url or BIDBRIDGE_SYNC_BASE_URL" in lines[0]
