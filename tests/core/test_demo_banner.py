"""What `bidbridge demo` prints, read at 80 columns as a newcomer's terminal (or a pipe) shows it."""

from __future__ import annotations

import io
import os
import subprocess
import sys

from rich.console import Console

from bidbridge.demo import DemoLogin, DemoSummary
from bidbridge.demo_banner import print_demo


def _demo_output(settings, width: int, *args: str) -> str:
    env = {**os.environ, "BIDBRIDGE_DATABASE_URL": settings.database_url,
           "BIDBRIDGE_DATA_DIR": str(settings.data_dir), "BIDBRIDGE_ENV": "development",
           "BIDBRIDGE_ARGON2_TIME_COST": "1", "BIDBRIDGE_ARGON2_MEMORY_KIB": "1024",
           "BIDBRIDGE_SECRET_KEY": settings.secret_key, "BIDBRIDGE_PEPPER": settings.pepper,
           "COLUMNS": str(width)}
    done = subprocess.run([sys.executable, "-m", "bidbridge.cli", "demo", *args], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _assert_readable(text: str, logins: list[DemoLogin], width: int) -> None:
    lines = text.splitlines()
    assert all(len(line.rstrip()) <= width for line in lines), max(lines, key=len)
    assert "…" not in text  # nothing truncated
    for login in logins:
        # Role, e-mail and password of one login stand together on one line.
        row = [line for line in lines if login.email in line]
        assert len(row) == 1, login.email
        assert row[0].split() == [*login.role.split(), login.email, login.password]
        if login.company:
            heading = next(i for i, line in enumerate(lines) if line.startswith(login.company))
            assert heading < lines.index(row[0])


def test_the_logins_read_whole_at_80_columns_through_a_pipe(settings, runtime):
    out = _demo_output(settings, 80, "--base-url", "http://127.0.0.1:8155")
    assert "Log in at http://127.0.0.1:8155/login" in out
    assert "8000" not in out
    summary = DemoSummary("http://127.0.0.1:8155", logins=[
        DemoLogin("support", None, "", "support@bidbridge.test", "support-demo-pass"),
        DemoLogin("administrator", "Van Dijk Installatietechniek B.V.", "", "admin@vandijk.test",
                  "vandijk-admin-pass", "subcontractor", True),
        DemoLogin("API user", "Van Dijk Installatietechniek B.V.", "", "api@vandijk.test",
                  "vandijk-api-pass", "subcontractor", True),
        DemoLogin("administrator", "Bakker Dakwerken", "", "admin@bakker.test",
                  "bakker-admin-pass", "subcontractor", False),
    ])
    _assert_readable(out, summary.logins, 80)
    assert "Bakker Dakwerken · subcontractor · no API module" in out
    assert "Van Dijk Installatietechniek B.V. · subcontractor · API active" in out


def test_every_demo_login_fits_when_rendered_at_width_80(runtime):
    from bidbridge.demo import load_demo

    summary = load_demo(runtime, base_url="http://127.0.0.1:8000", new_api_key=True)
    console = Console(width=80, record=True, file=io.StringIO(), color_system=None)
    print_demo(console, summary)
    text = console.export_text()
    _assert_readable(text.split("API key for")[0], summary.logins, 80)
    # The keys are printed whole (one line each, however long), never cut.
    assert summary.api_key and summary.api_key in text.replace("\n", "")
    assert f"{summary.api_user} (shown once): {summary.api_key}" in text
