"""`serve --no-migrate` on several nodes: a node never runs on a schema older than its code."""

from __future__ import annotations

from typer.testing import CliRunner

from bidbridge.cli import app
from bidbridge.migrate import pending, upgrade


def test_a_node_refuses_an_old_schema_and_names_what_is_missing(tmp_path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    upgrade(url, "0002")
    missing = pending(url)
    assert missing and "0002" not in missing and "0001" not in missing
    monkeypatch.setenv("BIDBRIDGE_DATABASE_URL", url)
    monkeypatch.setenv("BIDBRIDGE_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["serve", "--no-migrate", "--port", "1"])
    assert result.exit_code == 2
    assert "bidbridge db upgrade" in result.output and missing[0] in result.output
    upgrade(url)
    assert pending(url) == []
