"""`bidbridge sync --follow` (Mirror.follow) against a live server: a change reaches the folder
through the change feed, without a getRfps poll; an expired feed cursor falls back to a sync."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, text

from bidbridge.client import Client
from bidbridge.sync.mirror import Mirror, verify
from tests.live_server import _driver, demo, live_server
from tests.sync.test_sync import _contractor, _folder_of

pytestmark = pytest.mark.live


def _rfps_calls(server) -> int:
    return len(server.requests_of("getRfps"))


def test_follow_mirrors_changes_from_the_feed(backend, tmp_path):
    with live_server(backend, tmp_path / "server") as server:
        summary = demo(server)
        client = Client(server.url, summary["api_user"], summary["api_key"])
        out = tmp_path / "mirror"
        mirror = Mirror(client, out)
        mirror.follow(rounds=1, sleep=lambda s: None)  # the first sync, then one feed read
        state = json.loads((out / ".bidbridge-sync.json").read_text())
        assert state["event_cursor"]
        polls = _rfps_calls(server)
        rfp = client.get_rfps().rfps[0]
        contractor = _contractor(server)
        contractor.update_project(rfp.project_id, name="Followed Project")
        polls_before = _rfps_calls(server)
        report = Mirror(client, out).follow(rounds=3, sleep=lambda s: None)
        assert _rfps_calls(server) == polls_before  # no polling: the feed said what changed
        assert report.rfps >= 1
        folder = _folder_of(out, rfp.rfp_id)
        assert folder.name.startswith(f"{rfp.rfp_id} Followed Project - ")
        assert json.loads((folder / "rfp.json").read_text())["project"]["name"] == \
            "Followed Project"
        assert verify(out) == []
        assert polls >= 1


def test_an_expired_feed_cursor_falls_back_to_a_full_sync(backend, tmp_path):
    with live_server(backend, tmp_path / "server") as server:
        summary = demo(server)
        client = Client(server.url, summary["api_user"], summary["api_key"])
        out = tmp_path / "mirror"
        Mirror(client, out).follow(rounds=1, sleep=lambda s: None)
        server.set_clock_offset(31 * 86400)  # the cursor is now past the 30 days kept
        client = Client(server.url, summary["api_user"], summary["api_key"])
        before = _rfps_calls(server)
        Mirror(client, out).follow(rounds=1, sleep=lambda s: None)
        assert _rfps_calls(server) > before  # a full sync ran again
        state = json.loads((out / ".bidbridge-sync.json").read_text())
        assert state["event_cursor"] and state["updated_since"]
        assert verify(out) == []
        engine = create_engine(_driver(server.database_url))
        try:
            with engine.connect() as conn:
                gone = conn.execute(text(
                    "SELECT count(*) FROM api_requests WHERE function = 'getEvents' "
                    "AND status = 410")).scalar_one()
        finally:
            engine.dispose()
        assert gone == 1
