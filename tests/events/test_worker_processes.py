"""`bidbridge worker` processes against a real receiver: one killed with SIGKILL mid-delivery
(the event comes again with the same webhook-id), and two sharing the outbox (never the same
attempt twice at once, every event once)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from bidbridge.models import WebhookDelivery
from tests.events.receiver import receiving
from tests.events.test_feed import _respond
from tests.events.test_webhooks import add
from tests.tendering.sub.support import signed_in
from tests.tendering_factory import tender

BIN = Path(sys.executable).parent


def _env(settings, tmp_path: Path, clock_file: Path) -> dict[str, str]:
    return {**os.environ, "BIDBRIDGE_ENV": "test", "BIDBRIDGE_DATABASE_URL": settings.database_url,
            "BIDBRIDGE_SECRET_KEY": settings.secret_key, "BIDBRIDGE_PEPPER": settings.pepper,
            "BIDBRIDGE_DATA_DIR": str(tmp_path / "var"),
            "BIDBRIDGE_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
            "BIDBRIDGE_WEBHOOK_TIMEOUT_SECONDS": "5",
            "BIDBRIDGE_CLOCK_OFFSET_FILE": str(clock_file)}


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([str(BIN / "bidbridge"), "worker", "--batch", "4", "--poll", "0.05"],
                            env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _delivered(runtime, endpoint_id: int) -> int:
    with runtime.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(WebhookDelivery).where(
            WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == "delivered")))


def _wait_delivered(runtime, endpoint_id: int, count: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while _delivered(runtime, endpoint_id) < count:
        assert time.monotonic() < deadline, f"only {_delivered(runtime, endpoint_id)} delivered"
        time.sleep(0.05)


def test_a_worker_killed_mid_delivery_is_redone_with_the_same_id(
        factory, client, settings, tmp_path):
    sub = signed_in(factory, client)
    rfp = tender(factory, [sub.setup]).rfp_for(sub.setup)
    clock_file = tmp_path / "clock"
    env = _env(settings, tmp_path, clock_file)
    with receiving() as receiver:
        # The first attempt hangs: the worker is killed while it waits for the answer.
        receiver.answer = lambda r: (200, {}, 30.0 if len(receiver.requests) == 1 else 0.0)
        created = add(sub, receiver.url, eventTypes="rfp.changed")
        _respond(factory, sub, rfp.id)
        first = _worker(env, tmp_path / "a.log")
        try:
            receiver.wait_for(1)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        finally:
            _stop(first)
        assert _delivered(factory.runtime, created["endpointId"]) == 0
        # The killed worker's lease (timeout 5 s + 30 s) has run out for the next worker.
        clock_file.write_text("60")
        second = _worker(env, tmp_path / "b.log")
        try:
            receiver.wait_for(2)
            _wait_delivered(factory.runtime, created["endpointId"], 1)
        finally:
            _stop(second)
        one, two = receiver.requests[:2]
        assert one.webhook_id == two.webhook_id and one.body == two.body
        receiver.verified(created["secret"])
        assert len(receiver.requests) == 2


def test_two_workers_share_the_outbox_without_doing_an_attempt_twice(
        factory, client, settings, tmp_path):
    sub = signed_in(factory, client)
    rfps = [tender(factory, [sub.setup]).rfp_for(sub.setup) for _ in range(8)]
    env = _env(settings, tmp_path, tmp_path / "clock")
    with receiving() as receiver:
        receiver.answer = lambda r: (200, {}, 0.05)
        created = add(sub, receiver.url, eventTypes="rfp.changed")
        for rfp in rfps:
            _respond(factory, sub, rfp.id)
            _respond(factory, sub, rfp.id)
        workers = [_worker(env, tmp_path / f"w{i}.log") for i in range(2)]
        try:
            _wait_delivered(factory.runtime, created["endpointId"], 16)
        finally:
            for w in workers:
                _stop(w)
        ids = [r.webhook_id for r in receiver.requests]
        assert len(ids) == 16 and len(set(ids)) == 16  # every event once
        assert set(receiver.most_at_once.values()) == {1}
        bodies = receiver.verified(created["secret"])
        for rfp in rfps:  # one RFP's events in the order they happened
            mine = [b["id"] for b in bodies if b["rfpId"] == rfp.id]
            assert mine == sorted(mine) and len(mine) == 2
        logs = [(tmp_path / f"w{i}.log").read_text() for i in range(2)]
        assert all("webhook worker" in text for text in logs), logs
